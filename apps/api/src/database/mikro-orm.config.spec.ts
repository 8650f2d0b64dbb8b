import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { queryServer } from '../../test/support/global-setup';
import { keepaliveSeconds } from '../../test/support/socket-timers';
import { eventually } from '../../test/support/wait-for';
import { Operator } from '../operators/operator.entity';
import { Visitor } from '../visitors/visitor.entity';
import { KEEPALIVE_IDLE_MS } from './keep-alive';
import { mikroOrmOptions } from './mikro-orm.config';
import { prepareDatabase } from './prepare-database';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which of `pids` are still connected to the server. */
async function stillConnected(pids: number[]): Promise<number[]> {
  const rows = await queryServer<{ pid: number }>(DATABASE_URL, 'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [pids]);
  return rows.map((r) => r.pid);
}

describe('mikroOrmOptions', () => {
  it('keeps the connections its pool opened while they are idle', async () => {
    const options = mikroOrmOptions(DATABASE_URL);
    // The pool's own idle timeout (30 s by default) shortened, so the test sees the reaping it would do.
    const orm = await MikroORM.init({ ...options, pool: { ...options.pool, idleTimeoutMillis: 200, reapIntervalMillis: 50 } });
    try {
      const connection = orm.em.getConnection();
      const rows = await Promise.all(
        [1, 2, 3].map(() => connection.execute<{ pid: number }[]>('SELECT pg_backend_pid() AS pid FROM pg_sleep(0.3)')),
      );
      const pids = [...new Set(rows.map((r) => r[0].pid))];
      expect(pids).toHaveLength(3);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect((await stillConnected(pids)).sort()).toEqual(pids.sort());
    } finally {
      await orm.close();
    }
  });

  it('has TCP keepalive on its connections, probing after KEEPALIVE_IDLE_MS of silence', async () => {
    const orm = await MikroORM.init(mikroOrmOptions(DATABASE_URL));
    try {
      const [{ port }] = await orm.em.getConnection().execute<{ port: number }[]>('SELECT inet_client_port() AS port');
      const seconds = keepaliveSeconds(port, Number(new URL(DATABASE_URL).port || 5432));
      expect(seconds).toBeGreaterThan(KEEPALIVE_IDLE_MS / 1000 - 10);
      expect(seconds).toBeLessThanOrEqual(KEEPALIVE_IDLE_MS / 1000);
    } finally {
      await orm.close();
    }
  });

  it("reports the kept connections PostgreSQL closed in two lines of the API's log, not one console line each", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const consoleLog = jest.spyOn(console, 'log');
    const orm = await MikroORM.init(mikroOrmOptions(DATABASE_URL));
    try {
      const connection = orm.em.getConnection();
      const rows = await Promise.all([1, 2, 3].map(() => connection.execute<{ pid: number }[]>('SELECT pg_backend_pid() AS pid FROM pg_sleep(0.3)')));
      const pids = [...new Set(rows.map((r) => r[0].pid))];
      expect(pids).toHaveLength(3);
      await queryServer(DATABASE_URL, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1)', [pids]);
      await eventually(async () => (await stillConnected(pids)).length === 0, 'the backends gone');
      // The next query finds the closed ones and opens another.
      expect(await connection.execute<{ one: number }[]>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      const lines = () => warn.mock.calls.map((call) => String(call[0]));
      await eventually(() => lines().length > 1, 'the warnings');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a third line would come now
      expect(lines()).toEqual([
        expect.stringMatching(/^A connection of the ORM's pool was found closed \(.+\); connections are reopened as queries need them$/),
        "2 more connection(s) of the ORM's pool found closed within 1 s",
      ]);
      expect(consoleLog.mock.calls.filter((call) => String(call[0]).includes('Connection Error'))).toEqual([]);
    } finally {
      warn.mockRestore();
      consoleLog.mockRestore();
      await orm.close();
    }
  });

  it("keeps the failed statement, with the request's values, out of a database error's message", async () => {
    await prepareDatabase(DATABASE_URL);
    const orm = await MikroORM.init(mikroOrmOptions(DATABASE_URL));
    try {
      // Too long for visitor.name (120 characters). The backslash before "?": knex's re-formatted statement would differ from the one run.
      const visitor = new Visitor({ name: `Ann Secretname \\? ${'x'.repeat(120)}` });
      const failure = await orm.em.fork().persistAndFlush(visitor).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toBe('value too long for type character varying(120)');
      expect((failure as Error).stack).not.toContain('Secretname');
    } finally {
      await orm.close();
    }
  });

  it("keeps the row data PostgreSQL's detail quotes out of a database error's message, and on the error", async () => {
    await prepareDatabase(DATABASE_URL);
    const orm = await MikroORM.init(mikroOrmOptions(DATABASE_URL));
    try {
      const email = `ann.secret.${randomUUID().slice(0, 8)}@example.com`;
      await orm.em.fork().persistAndFlush(new Operator({ email, name: 'Ann', passwordHash: 'x' }));
      const failure = await orm.em
        .fork()
        .persistAndFlush(new Operator({ email, name: 'Ann again', passwordHash: 'x' }))
        .catch((error: Error) => error);
      expect(failure).toBeInstanceOf(UniqueConstraintViolationException);
      const violation = failure as UniqueConstraintViolationException & { detail?: string; constraint?: string };
      expect(violation.message).toBe('duplicate key value violates unique constraint "operator_email_unique"');
      expect(violation.stack).not.toContain(email);
      // What code may still read: the SQLSTATE, the constraint, and the detail itself, which the log does not write.
      expect(violation.code).toBe('23505');
      expect(violation.constraint).toBe('operator_email_unique');
      expect(violation.detail).toContain(email);
      expect(JSON.stringify(pino.stdSerializers.err(violation))).not.toContain(email);
    } finally {
      await orm.close();
    }
  });
});
