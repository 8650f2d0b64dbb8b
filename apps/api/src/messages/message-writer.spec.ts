import type { AppConfig } from '../config/app-config';
import { MessageWriter } from './message-writer';

/** The test server's maintenance database: these statements read no table. */
function serverUrl(): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
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
  const writer = (connections: number) => {
    const created = new MessageWriter({ databaseUrl: serverUrl(), messageWriterConnections: connections } as AppConfig);
    writers.push(created);
    return created;
  };
  afterAll(() => Promise.all(writers.map((w) => w.onModuleDestroy())));

  it('runs statements side by side on up to MESSAGE_WRITER_CONNECTIONS connections, and no more', async () => {
    expect((await backendsFor(writer(6), 6)).size).toBe(6);
    expect((await backendsFor(writer(2), 6)).size).toBe(2);
  });
});
