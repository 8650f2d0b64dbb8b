import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';
import { MessageWriter } from './message-writer';

/** The test server's maintenance database: these statements read no table. */
function serverUrl(): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
}

/** Runs `sql` on its own connection to the test server. */
async function admin<Row>(sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Backends of every message writer connected now (their `application_name`). */
async function writerBackends(): Promise<Set<number>> {
  const rows = await admin<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'parley-message-writer'");
  return new Set(rows.map((r) => r.pid));
}

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
    const created = new MessageWriter({ databaseUrl, messageWriterConnections: connections } as AppConfig);
    writers.push(created);
    return created;
  };
  afterAll(() => Promise.all(writers.map((w) => w.onModuleDestroy())));

  it('runs statements side by side on up to MESSAGE_WRITER_CONNECTIONS connections, and no more', async () => {
    expect((await backendsFor(writer(6), 6)).size).toBe(6);
    expect((await backendsFor(writer(2), 6)).size).toBe(2);
  });

  it('opens all its connections before the API serves and keeps them while idle', async () => {
    const before = await writerBackends();
    const pool = writer(3);
    await pool.onModuleInit();
    const opened = [...(await writerBackends())].filter((pid) => !before.has(pid));
    expect(opened).toHaveLength(3);
    // node-postgres closes a connection idle for 10 s unless the pool keeps it.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    expect([...(await writerBackends())].filter((pid) => opened.includes(pid))).toHaveLength(3);
    // Statements run on those connections: none is opened for them.
    expect([...(await backendsFor(pool, 3))].sort()).toEqual([...opened].sort());
  }, 20_000);

  describe('when PostgreSQL refuses some of its connections', () => {
    const role = 'parley_test_limited';
    beforeAll(() => admin(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN CONNECTION LIMIT 2`));
    afterAll(async () => {
      await Promise.all(writers.splice(0).map((w) => w.onModuleDestroy()));
      await admin(`DROP ROLE IF EXISTS ${role}`);
    });

    it('says in one line how many it opened and what to change, starts, and runs statements on those it has', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const url = new URL(serverUrl());
        url.username = role;
        const pool = writer(4, url.toString());
        await pool.onModuleInit();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0][0]).toMatch(
          /^Opened 2 of 4 PostgreSQL connections for messages \(too many connections for role "parley_test_limited"\); .*max_connections or lower MESSAGE_WRITER_CONNECTIONS$/,
        );
        expect((await backendsFor(pool, 2)).size).toBe(2);
      } finally {
        warn.mockRestore();
      }
    });
  });
});
