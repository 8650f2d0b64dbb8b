import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, Options } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import path from 'node:path';
import { inspect } from 'node:util';
import { GroupedWarning } from '../common/grouped-warning';
import { ENTITIES } from './entities';
import { DRIVER_MESSAGE_ONLY, PostgreSqlDriverWithoutRowData } from './error-privacy';
import { FailedBeginSubscriber } from './failed-begin.subscriber';
import { POSTGRES_KEEPALIVE } from './keep-alive';

/** How long (ms) connections found closed after a first one are counted into one warning line. */
const CLOSED_REPORT_MS = 1000;

/** How knex begins its warning for each pooled connection it finds closed (knex's `client.js`). */
const CONNECTION_ERROR = 'Connection Error: ';

/**
 * knex's log (its `log` option) in the API's logger, instead of plain `console.log` lines outside it.
 * After a PostgreSQL restart knex warns once per kept connection it finds closed (up to 10 at once): the
 * first is written, those right after it counted in one line ({@link GroupedWarning}). An error knex logs
 * is written as its message, another object on one line as `util.inspect` shows it.
 */
function knexLog() {
  const logger = new Logger('Database');
  const closed = new GroupedWarning(
    logger,
    CLOSED_REPORT_MS,
    (reason) => `A connection of the ORM's pool was found closed (${reason}); connections are reopened as queries need them`,
    (count) => `${count} more connection(s) of the ORM's pool found closed within ${CLOSED_REPORT_MS / 1000} s`,
  );
  const text = (message: unknown) =>
    typeof message === 'string' ? message : message instanceof Error ? message.message : inspect(message, { breakLength: Infinity });
  return {
    warn: (message: unknown) => {
      const line = text(message);
      if (line.startsWith(CONNECTION_ERROR)) closed.add(line.slice(CONNECTION_ERROR.length));
      else logger.warn(line);
    },
    error: (message: unknown) => logger.error(text(message)),
    deprecate: (message: unknown) => logger.warn(text(message)),
    debug: (message: unknown) => logger.debug(text(message)),
  };
}

/**
 * Connections in MikroORM's pool of an API process or a worker: all opened at start (`openOrmConnections`)
 * and kept.
 */
export const ORM_CONNECTIONS = 10;

/**
 * MikroORM options for a database URL. Migrations live in `database/migrations` (compiled `.js`
 * at run time; `.ts` sources when the CLI generates one). Schema sync is never used at run time.
 */
export function mikroOrmOptions(databaseUrl: string): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    // Database errors' messages without the row data PostgreSQL's detail quotes (error-privacy.ts).
    driver: PostgreSqlDriverWithoutRowData,
    entities: ENTITIES,
    discovery: { warnWhenNoEntities: true },
    forceUndefined: false,
    allowGlobalContext: false,
    extensions: [Migrator, DRIVER_MESSAGE_ONLY],
    // A transaction whose BEGIN failed (a lost connection) fails with BEGIN's error, not knex's "already complete".
    subscribers: [new FailedBeginSubscriber()],
    debug: false,
    // Kept: reaped after 30 s idle (knex's default), they were closed all at once when a burst ended; in the
    // benchmark, nine ended together were followed by the API's event loop late by 30–51 ms (bench/NOTES.md
    // §33). `min` is what knex's pool (tarn) keeps; it opens none ahead (openOrmConnections does, at start).
    pool: { min: ORM_CONNECTIONS, max: ORM_CONNECTIONS },
    // Kept connections are probed after a minute of silence, so no NAT or firewall forgets them unnoticed.
    // An error's message without the statement that failed (DRIVER_MESSAGE_ONLY).
    driverOptions: { connection: { ...POSTGRES_KEEPALIVE }, log: knexLog(), compileSqlOnError: false },
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
