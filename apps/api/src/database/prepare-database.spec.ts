import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { prepareDatabase } from './prepare-database';

/** Against the real PostgreSQL: a database of its own, created by the code under test and dropped after. */
describe('prepareDatabase', () => {
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `parley_prepare_${randomUUID().slice(0, 8)}`;
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${name}` }).toString();

  afterAll(async () => {
    const admin = new Client({ connectionString: Object.assign(new URL(server), { pathname: '/postgres' }).toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('lets processes starting together on a fresh database apply the migrations once, all of them starting', async () => {
    const results = await Promise.allSettled([prepareDatabase(databaseUrl), prepareDatabase(databaseUrl), prepareDatabase(databaseUrl)]);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    const applied = results.map((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM mikro_orm_migrations');
      expect(rows[0].n).toBe(applied.flat().length);
    } finally {
      await client.end();
    }
  });
});
