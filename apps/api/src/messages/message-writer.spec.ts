import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AddressInfo, connect, createServer } from 'node:net';
import { admin, backendsNamed, serverUrl, urlAs } from '../../test/support/server-backends';
import { keepaliveSeconds } from '../../test/support/socket-timers';
import { eventually } from '../../test/support/wait-for';
import type { AppConfig } from '../config/app-config';
import { KEEPALIVE_IDLE_MS } from '../database/keep-alive';
import { MessageWriter } from './message-writer';

/** Runs `count` statements at once, each holding its connection for 300 ms; the backends that ran them. */
async function backendsFor(writer: MessageWriter, count: number): Promise<Set<number>> {
  const rows = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      writer.run<{ pid: number; n: number }>('parley_test_backend', 'SELECT pg_backend_pid() AS pid, ?::int AS n FROM pg_sleep(0.3)', [i]),
    ),
  );
  expect(rows.map((r) => r[0].n)).toEqual(Array.from({ length: count }, (_, i) => i)); // `?` became `$1`
  return new Set(rows.map((r) => r[0].pid));
}

describe('MessageWriter', () => {
  const writers: MessageWriter[] = [];
  const writer = (connections: number, databaseUrl = serverUrl()) => {
    // These cases use the pool alone (`run`); `append`'s batches are tested against the API (test/messages.test.ts).
    const created = new MessageWriter({ databaseUrl, messageWriterConnections: connections } as AppConfig, {} as EntityManager);
    writers.push(created);
    return created;
  };
  afterAll(() => Promise.all(writers.map((w) => w.onModuleDestroy())));

  it('runs statements side by side on up to MESSAGE_WRITER_CONNECTIONS connections, and no more', async () => {
    expect((await backendsFor(writer(6), 6)).size).toBe(6);
    expect((await backendsFor(writer(2), 6)).size).toBe(2);
  });

  it('opens all its connections before the API serves and keeps them while idle', async () => {
    const name = `parley-test-${randomUUID().slice(0, 8)}`;
    const pool = writer(3, urlAs(name));
    await pool.onModuleInit();
    const opened = await backendsNamed(name);
    expect(opened).toHaveLength(3);
    // node-postgres closes a connection idle for 10 s unless the pool keeps it.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    expect(await backendsNamed(name)).toEqual(opened);
    // Statements run on those connections: none is opened for them.
    expect([...(await backendsFor(pool, 3))].sort((a, b) => a - b)).toEqual(opened);
  }, 20_000);

  it('has TCP keepalive on every connection it keeps, probing after KEEPALIVE_IDLE_MS of silence', async () => {
    const pool = writer(2);
    await pool.onModuleInit();
    const rows = await Promise.all(
      [0, 1].map(() => pool.run<{ port: number }>('parley_test_client_port', 'SELECT inet_client_port() AS port FROM pg_sleep(0.3)', [])),
    );
    const serverPort = Number(new URL(serverUrl()).port || 5432);
    for (const [{ port }] of rows) {
      const seconds = keepaliveSeconds(port, serverPort);
      expect(seconds).toBeGreaterThan(KEEPALIVE_IDLE_MS / 1000 - 10);
      expect(seconds).toBeLessThanOrEqual(KEEPALIVE_IDLE_MS / 1000);
    }
  });

  it('reports idle connections the server closes together in two warning lines (the first, then how many more), and reopens them', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const name = `parley-test-${randomUUID().slice(0, 8)}`;
      const pool = writer(3, urlAs(name));
      await pool.onModuleInit();
      const first = await backendsNamed(name);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (${first.join(',')})`);
      await eventually(() => warn.mock.calls.length > 1, 'the warnings');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a third line would come now
      expect(warn.mock.calls.map((call) => call[0])).toEqual([
        'PostgreSQL closed an idle connection of the message writer (terminating connection due to administrator command); connections are reopened in the background',
        'PostgreSQL closed 2 more idle connection(s) of the message writer within 1 s',
      ]);
      const again = await backendsFor(pool, 3);
      expect([...again].some((pid) => first.includes(pid))).toBe(false);
      expect(again.size).toBe(3);
    } finally {
      warn.mockRestore();
    }
  });

  it('does not start when PostgreSQL cannot be reached, with the driver\'s own error (no advice about limits)', async () => {
    const pool = writer(2, 'postgres://postgres@127.0.0.1:1/postgres');
    await expect(pool.onModuleInit()).rejects.toThrow(/^connect ECONNREFUSED 127\.0\.0\.1:1$/);
  });

  it('does not start when a connection is closed while the others are still opening, and does not crash', async () => {
    // A proxy to the test server that holds back the second connection for a second.
    const target = new URL(serverUrl());
    let accepted = 0;
    const proxy = createServer((socket) => {
      const delayMs = ++accepted === 2 ? 1000 : 0;
      setTimeout(() => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      }, delayMs);
    });
    await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
    try {
      const name = `parley-test-${randomUUID().slice(0, 8)}`;
      const url = new URL(urlAs(name));
      url.port = String((proxy.address() as AddressInfo).port);
      const pool = writer(2, url.toString());
      const started = pool.onModuleInit();
      const [first] = await eventually(async () => {
        const pids = await backendsNamed(name);
        return pids.length > 0 && pids;
      }, 'the first connection');
      await admin(`SELECT pg_terminate_backend(${first})`);
      await expect(started).rejects.toThrow('terminating connection due to administrator command');
    } finally {
      proxy.close();
    }
  });

  describe('when PostgreSQL refuses some of its connections at start', () => {
    const role = `parley_test_limited_${randomUUID().slice(0, 8)}`;
    beforeAll(() => admin(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 2`));
    afterAll(async () => {
      await Promise.all(writers.splice(0).map((w) => w.onModuleDestroy()));
      await admin(`DROP ROLE IF EXISTS ${role}`);
    });

    it('does not start, says what to change in one line, and holds no connection', async () => {
      const pool = writer(4, urlAs(`parley-test-${role}`, role));
      // At most two get in; PostgreSQL counts a role's connections loosely when they arrive together, so fewer may.
      await expect(pool.onModuleInit()).rejects.toThrow(
        new RegExp(
          `^PostgreSQL refused [2-4] of the 4 connections for messages \\(too many connections for role "${role}"\\): ` +
            "raise its connection limit \\(max_connections, or the role's or database's CONNECTION LIMIT\\) or lower MESSAGE_WRITER_CONNECTIONS$",
        ),
      );
      await eventually(async () => (await admin(`SELECT 1 FROM pg_stat_activity WHERE usename = '${role}'`)).length === 0, "the role's connections closed");
    });
  });
});
