import { Client } from 'pg';

/** The integration tests' own database, so a running dev server's data is never touched. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_test';

/**
 * Drops the test database so every run starts empty. Migrations are applied by the first `startTestApi()`
 * in each test file (MikroORM keeps global metadata, which must live in the tests' own realm).
 */
export default async function globalSetup(): Promise<void> {
  const admin = new URL(TEST_DATABASE_URL);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
  process.env.DATABASE_URL = TEST_DATABASE_URL;
}
