import { MikroORM } from '@mikro-orm/postgresql';
import { ensureDatabase } from './ensure-database';
import { mikroOrmOptions } from './mikro-orm.config';

/**
 * Makes the database ready to serve: creates it when absent and applies every pending committed
 * migration (never a schema sync). Used by `npm start`, the worker and the test setup.
 * @returns the names of the migrations applied now.
 */
export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const orm = await MikroORM.init({ ...mikroOrmOptions(databaseUrl), pool: { min: 0, max: 1 } });
  try {
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}
