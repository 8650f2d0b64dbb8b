import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { onServer } from '../../test/support/global-setup';
import { eventually } from '../../test/support/wait-for';
import { MIGRATION_LOCK, prepareDatabase } from './prepare-database';

/** Against the real PostgreSQL: a database of its own, created by the code under test and dropped after. */
describe('prepareDatabase', () => {
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `parley_prepare_${randomUUID().slice(0, 8)}`;
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${name}` }).toString();

  afterAll(() => onServer(databaseUrl, (quoted) => `DROP DATABASE IF EXISTS "${quoted}" WITH (FORCE)`));

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

  it('says once that it waits while another process migrates, and goes on when that one is done', async () => {
    await prepareDatabase(databaseUrl); // migrated: what follows applies nothing
    const other = new Client({ connectionString: databaseUrl });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const onWait = jest.fn();
      let settled = false;
      const prepared = prepareDatabase(databaseUrl, onWait).finally(() => (settled = true));
      await eventually(() => onWait.mock.calls.length === 1, 'the wait to be announced');
      expect(settled).toBe(false);
      await other.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      await expect(prepared).resolves.toEqual([]);
      expect(onWait).toHaveBeenCalledTimes(1);
      const unannounced = jest.fn();
      await prepareDatabase(databaseUrl, unannounced);
      expect(unannounced).not.toHaveBeenCalled();
    } finally {
      await other.end();
    }
  });
});
