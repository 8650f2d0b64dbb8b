import { MikroORM } from '@mikro-orm/postgresql';
import { queryServer } from '../../test/support/global-setup';
import { mikroOrmOptions } from './mikro-orm.config';

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
});
