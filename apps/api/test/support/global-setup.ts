import { Client } from 'pg';

/**
 * The integration tests' own database, so a running dev server's data is never touched. Each jest run
 * gets a fresh one (`parley_test_<pid>`, dropped again by the teardown), so runs on one machine never
 * pull a database from under each other; set TEST_DATABASE_URL to choose it.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/parley_test_${process.pid}`;

/** Runs `sql` on its own connection to the server's maintenance database (`postgres`); the rows. */
export async function queryServer<Row>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Runs `statement` on the server's maintenance database, given the database's name quoted for `"…"`. */
export async function onServer(databaseUrl: string, statement: (name: string) => string): Promise<void> {
  await queryServer(databaseUrl, statement(new URL(databaseUrl).pathname.slice(1).replace(/"/g, '""')));
}

/**
 * Drops the test database so every run starts empty. Migrations are applied by the first `startTestApi()`
 * in each test file (MikroORM keeps global metadata, which must live in the tests' own realm).
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_DATABASE_URL = TEST_DATABASE_URL;
  // The sweep of waiting chat sessions (WaitingSweep) reads every WAITING session of the database: in the API
  // and worker processes tests start (they inherit this environment), which each have their own Redis prefix
  // but share this database, it would notify one test's channels about other tests' chats. Tests of the
  // sweep turn it on (waiting-sweep.test.ts).
  process.env.NOTIFY_SWEEP_INTERVAL_SECONDS = '0';
  await onServer(TEST_DATABASE_URL, (name) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
