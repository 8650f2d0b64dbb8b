import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ensureDatabase } from './ensure-database';
import { mikroOrmOptions } from './mikro-orm.config';

/**
 * Key of the PostgreSQL advisory lock held while migrating (any constant; these are the bytes of
 * "parley"). Advisory locks: PostgreSQL manual, "Explicit Locking", 13.3.5.
 */
export const MIGRATION_LOCK = String(0x7061726c6579);

/**
 * Makes the database ready to serve: creates it when absent and applies every pending committed
 * migration (never a schema sync). Used by `npm start`, the worker and the test setup. Processes starting
 * together (several API replicas and a worker on a fresh database, a rolling update) migrate one at a
 * time under an advisory lock, so the first applies what is pending and the others find nothing left.
 * @param onWait called once when another process holds the lock, before waiting for it (to log it)
 * @returns the names of the migrations applied now.
 */
export async function prepareDatabase(databaseUrl: string, onWait?: () => void): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK]);
    if (!rows[0].locked) {
      onWait?.();
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    }
    const orm = await MikroORM.init({ ...mikroOrmOptions(databaseUrl), pool: { min: 0, max: 1 } });
    try {
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.end(); // the lock is the session's: it goes with the connection
  }
}

/**
 * The `onWait` of `npm start`, the worker and the operators CLI: one plain line on stderr saying why
 * start-up pauses (the logger is set up with the app, after the database is ready; the CLI's stdout stays
 * its result).
 */
export function waitingForMigrations(): void {
  process.stderr.write('Another process is migrating the database: waiting for it to finish\n');
}
