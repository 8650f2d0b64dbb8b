// The message writer keeps MESSAGE_WRITER_CONNECTIONS connections: those PostgreSQL closes, and one whose
// statement failed (but for a refusal of the statement alone), are reopened in the background, one at a time, without waiting for messages to need
// them (bench/NOTES.md §33); while PostgreSQL is down it tries again with backoff and says so in one line.
import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { isServiceUnavailable } from '../src/common/service-unavailable';
import type { AppConfig } from '../src/config/app-config';
import { ConnectTimeout } from '../src/database/fixed-size-pool';
import { CONNECT_TIMEOUT_MS, MessageWriter } from '../src/messages/message-writer';
import { gql } from './support/api-client';
import { queryServer, TEST_DATABASE_URL } from './support/global-setup';
import { SEND_MESSAGE } from './support/operations';
import { PrivatePostgres, startPrivatePostgres } from './support/private-services';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';
import { eventually, withTimeout } from './support/wait-for';

jest.setTimeout(60_000);

const WRITER = 'parley-message-writer';
const CONNECTIONS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The writer's backends on `url`'s database (other runs' databases on the same server are not counted). */
async function writerBackends(url = TEST_DATABASE_URL): Promise<number[]> {
  const database = new URL(url).pathname.slice(1);
  const rows = await queryServer<{ pid: number }>(
    url,
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 ORDER BY pid',
    [WRITER, database],
  );
  return rows.map((row) => row.pid);
}

/** Ends every backend of the writer on `url`'s database (SQLSTATE 57P01 for each); the pids ended. */
async function terminateWriterBackends(url = TEST_DATABASE_URL): Promise<number[]> {
  const database = new URL(url).pathname.slice(1);
  // The backends are chosen first (MATERIALIZED), and only those are ended: in a WHERE clause beside the
  // filters, PostgreSQL may call pg_terminate_backend on rows the filters would have left out.
  const rows = await queryServer<{ pid: number; ended: boolean }>(
    url,
    `WITH writer AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2)
     SELECT pid, pg_terminate_backend(pid) AS ended FROM writer ORDER BY pid`,
    [WRITER, database],
  );
  expect(rows.every((row) => row.ended)).toBe(true);
  return rows.map((row) => row.pid);
}

/** Counts the writer's connection attempts (node-postgres `Client#connect`), and the most in flight at once. */
function watchWriterConnects() {
  type Connect = (this: Client, ...args: unknown[]) => Promise<void> | undefined;
  const connect = Object.getOwnPropertyDescriptor(Client.prototype, 'connect')?.value as Connect;
  const watch = { attempts: 0, inFlight: 0, most: 0 };
  const counted: Connect = function (this: Client, ...args) {
    const named = (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name;
    const result = connect.apply(this, args);
    if (named !== WRITER || !result) return result;
    watch.attempts++;
    watch.most = Math.max(watch.most, ++watch.inFlight);
    return result.finally(() => watch.inFlight--);
  };
  const replace = (value: Connect) => Object.defineProperty(Client.prototype, 'connect', { value, configurable: true, writable: true });
  replace(counted);
  return { watch, restore: () => replace(connect) };
}

describe('the message writer keeps its connections (real PostgreSQL)', () => {
  let warn: jest.SpyInstance;
  const warnings = () => warn.mock.calls.map((call) => String(call[0]));
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  describe('in the API', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ MESSAGE_WRITER_CONNECTIONS: String(CONNECTIONS) });
    });
    afterAll(() => api.close());
    beforeEach(() => eventually(async () => (await writerBackends()).length === CONNECTIONS, 'the writer full before the test'));

    const send = (session: { sessionId: string; visitor: { token: string } }, clientMessageId: string) =>
      gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId: session.sessionId, content: clientMessageId, clientMessageId } }, session.visitor.token);

    it('reopens every connection PostgreSQL terminated, in the background, one at a time, with no message sent', async () => {
      const session = await givenActiveSession(api);
      const before = await writerBackends();
      const { watch, restore } = watchWriterConnects();
      try {
        expect(await terminateWriterBackends()).toEqual(before);
        const after = await eventually(async () => {
          const pids = await writerBackends();
          return pids.length === CONNECTIONS && pids;
        }, 'the writer back to its size without a message');
        expect(after.filter((pid) => before.includes(pid))).toEqual([]);
        expect(watch).toEqual({ attempts: CONNECTIONS, inFlight: 0, most: 1 }); // one at a time, none more than lost
        await eventually(() => warnings().length === 2, 'the count line');
        expect(warnings()).toEqual([
          'PostgreSQL closed an idle connection of the message writer (terminating connection due to administrator command); connections are reopened in the background',
          `PostgreSQL closed ${CONNECTIONS - 1} more idle connection(s) of the message writer within 1 s`,
        ]);

        // A message afterwards runs on those connections: none is opened for it.
        const answer = await send(session, 'after-reopen');
        expect(answer.errors).toBeUndefined();
        expect(await writerBackends()).toEqual(after);
        expect(watch.attempts).toBe(CONNECTIONS);
      } finally {
        restore();
      }
    });

    it('writes a message sent right after PostgreSQL terminated every connection, and is full again afterwards', async () => {
      const session = await givenActiveSession(api);
      const before = await terminateWriterBackends();
      expect(before).toHaveLength(CONNECTIONS);
      const answer = await send(session, 'right-after');
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.sendMessage).toMatchObject({ content: 'right-after' });
      const after = await eventually(async () => {
        const pids = await writerBackends();
        return pids.length === CONNECTIONS && pids;
      }, 'the writer back to its size');
      expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    });

    it('keeps a connection after PostgreSQL refused its statement alone (an idempotent retry is a unique violation)', async () => {
      const session = await givenActiveSession(api);
      const first = await send(session, 'twice');
      expect(first.errors).toBeUndefined();
      const before = await writerBackends();
      // The same clientMessageId again: the writer's statement fails (unique violation, SQLSTATE 23505) and the stored message is answered.
      const again = await send(session, 'twice');
      expect(again.errors).toBeUndefined();
      expect(again.data?.sendMessage).toEqual(first.data?.sendMessage);
      for (const id of ['after-1', 'after-2', 'after-3']) expect((await send(session, id)).errors).toBeUndefined();
      await sleep(300); // a connection closed after the refusal would have been replaced by now
      expect(await writerBackends()).toEqual(before);
    });

    it('closes a connection whose statement failed otherwise (never handed to the next statement) and replaces it in the background', async () => {
      const before = await writerBackends();
      // SQLSTATE 42P01 undefined_table: not one of the errors that leave a connection as it was.
      await expect(api.app.get(MessageWriter).run('parley_test_missing', 'SELECT * FROM parley_no_such_table', [])).rejects.toMatchObject({
        code: '42P01',
      });
      const after = await eventually(async () => {
        const pids = await writerBackends();
        return pids.length === CONNECTIONS && pids.some((pid) => !before.includes(pid)) && pids;
      }, 'the failed connection replaced');
      expect(after.filter((pid) => !before.includes(pid))).toHaveLength(1);
    });

    it('sends a statement again on a connection that works when the one it got had been ended while idle, not yet noticed', async () => {
      const before = await writerBackends();
      // psql, synchronously, waiting until the backends have exited (pg_terminate_backend's timeout, ms): the
      // event loop does not turn meanwhile, so the writer cannot have read their end before the statement.
      const admin = new URL(TEST_DATABASE_URL);
      admin.pathname = '/postgres';
      const ended = execFileSync('psql', [admin.toString(), '-Atc', `SELECT pg_terminate_backend(pid, 5000) FROM unnest('{${before.join(',')}}'::int[]) AS pid`]);
      expect(ended.toString().trim().split('\n')).toEqual(before.map(() => 't'));
      const rows = await api.app.get(MessageWriter).run<{ one: number }>('parley_test_one', 'SELECT 1 AS one', []);
      expect(rows).toEqual([{ one: 1 }]);
      await eventually(async () => (await writerBackends()).length === CONNECTIONS, 'the writer back to its size');
    });
  });

  describe('while PostgreSQL is down', () => {
    let pg: PrivatePostgres;
    const writers: MessageWriter[] = [];
    /** A writer of `connections` on the private server's `postgres` database (its pool alone: `run`). */
    const writerOn = (databaseUrl: string, connections = 3) => {
      const writer = new MessageWriter({ databaseUrl, messageWriterConnections: connections } as AppConfig, {} as EntityManager);
      writers.push(writer);
      return writer;
    };
    beforeAll(async () => {
      pg = await startPrivatePostgres();
    });
    afterAll(async () => {
      pg?.resume(); // should a test have failed while it was paused
      await Promise.all(writers.map((writer) => writer.onModuleDestroy()));
      await pg?.dispose();
    });

    it('answers statements with the connect error, tries again with backoff, says so in one line, and is full again once PostgreSQL is back', async () => {
      const url = pg.url('postgres');
      const writer = writerOn(url);
      await writer.onModuleInit();
      expect(await writerBackends(url)).toHaveLength(3);
      const info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const { watch, restore } = watchWriterConnects();
      try {
        await pg.stop('fast'); // ends every backend, as a restart does
        const down = await writer.run('parley_test_one', 'SELECT 1 AS one', []).catch((error: unknown) => error);
        expect(isServiceUnavailable(down)).toBe(true);
        await sleep(2500);
        // Backoff (the tries at most ~50, 100, 200, 400, 800 ms… apart, from 100 ms doubling with jitter), not a loop.
        expect(watch.attempts).toBeGreaterThanOrEqual(2);
        expect(watch.attempts).toBeLessThanOrEqual(10);
        const reopenLines = warnings().filter((line) => line.startsWith('The message writer could not reopen'));
        expect(reopenLines).toHaveLength(1);
        expect(reopenLines[0]).toMatch(
          /^The message writer could not reopen a connection to PostgreSQL \(.*(ECONNREFUSED|57P03).*\); it tries again, at most 5 s apart, until PostgreSQL accepts$/,
        );
        for (const line of warnings()) expect(line).not.toMatch(/\n\s+at /);

        await pg.start();
        await eventually(async () => (await writerBackends(url)).length === 3, 'the writer back to its size', 15_000);
        expect(watch.most).toBe(1);
        expect(await writer.run('parley_test_one', 'SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
        expect(warnings().filter((line) => line.startsWith('The message writer could not reopen'))).toHaveLength(1);
        expect(info.mock.calls.map((call) => String(call[0]))).toEqual([
          expect.stringMatching(/^The message writer reopened a connection to PostgreSQL after \d+ failed attempt\(s\)$/),
        ]);
      } finally {
        restore();
        info.mockRestore();
        await writer.onModuleDestroy();
      }
    });

    it('gives up on a connection a hanging PostgreSQL leaves unanswered after CONNECT_TIMEOUT_MS, as unavailable, and opens it once PostgreSQL answers', async () => {
      const url = pg.url('postgres');
      const writer = writerOn(url, 1);
      pg.pause();
      try {
        // Without a limit the try would wait for TCP to give up (minutes): jest's timeout would end the test first.
        const failed = await writer.onModuleInit().catch((error: unknown) => error);
        expect(failed).toBeInstanceOf(ConnectTimeout);
        expect(failed).toMatchObject({ timeoutMs: CONNECT_TIMEOUT_MS, message: `PostgreSQL did not complete a new connection within ${CONNECT_TIMEOUT_MS / 1000} s` });
        expect(isServiceUnavailable(failed)).toBe(true);
      } finally {
        pg.resume();
      }
      const again = writerOn(url, 1);
      try {
        await again.onModuleInit();
        expect(await again.run('parley_test_one', 'SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
      } finally {
        await again.onModuleDestroy(); // its connection would try to reopen when a later test stops PostgreSQL
      }
    });

    it('stops trying at shutdown, with nothing left behind', async () => {
      const url = pg.url('postgres');
      const writer = writerOn(url, 2);
      await writer.onModuleInit();
      const { watch, restore } = watchWriterConnects();
      try {
        await pg.stop('fast');
        await eventually(() => watch.attempts >= 2 && watch.inFlight === 0, 'a try failed and the next one waits');
        await withTimeout(writer.onModuleDestroy(), 5000, 'onModuleDestroy');
        const attempts = watch.attempts;
        await sleep(2000); // the next try was due within 1.6 s
        expect(watch.attempts).toBe(attempts);
        expect((writer as unknown as { pool: { retry?: unknown } }).pool.retry).toBeUndefined();
      } finally {
        restore();
        await pg.start();
      }
    });
  });
});
