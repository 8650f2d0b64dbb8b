import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, Options } from '@mikro-orm/postgresql';
import path from 'node:path';
import { ENTITIES } from './entities';

/**
 * MikroORM options for a database URL. Migrations live in `database/migrations` (compiled `.js`
 * at run time; `.ts` sources when the CLI generates one). Schema sync is never used at run time.
 */
export function mikroOrmOptions(databaseUrl: string): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    discovery: { warnWhenNoEntities: true },
    forceUndefined: false,
    allowGlobalContext: false,
    extensions: [Migrator],
    debug: false,
    // Up to 10, opened when needed and then kept: reaped after 30 s idle (knex's default), they were closed
    // all at once when a burst ended; in the benchmark, nine ended together were followed by the API's event
    // loop late by 30–51 ms (bench/NOTES.md §33). `min` is what knex's pool (tarn) keeps; it opens none ahead.
    pool: { min: 10, max: 10 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: path.join(__dirname, 'migrations'),
      // Only the CLI (run from the repository root) writes new migrations, as TypeScript sources.
      pathTs: path.resolve(process.cwd(), 'apps/api/src/database/migrations'),
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
  });
}
