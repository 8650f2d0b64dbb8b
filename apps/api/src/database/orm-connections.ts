import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ORM_CONNECTIONS } from './mikro-orm.config';
import { CONNECTION_LIMIT_ADVICE, isTooManyConnections } from './sql';

/**
 * Opens every connection of MikroORM's pool (`pool.max`, {@link ORM_CONNECTIONS}) before the process serves, then hands
 * them back to the pool, which keeps them (`pool.min`). knex's pool (tarn) opens none ahead by itself, so a
 * PostgreSQL whose connection limit leaves no room for them used to show only under load, as queries
 * answered `SERVICE_UNAVAILABLE`; and a first burst no longer waits for connections to open (bench/NOTES.md §33).
 * @throws Error `PostgreSQL refused n of the N connections for the ORM (…)` when PostgreSQL refuses any for
 *   their number (SQLSTATE 53300: `max_connections`, or a role's or database's `CONNECTION LIMIT`; README,
 *   "Production shape", counts what an API process and a worker need); the ones opened are closed first. Any
 *   other failure to open one (unreachable, authentication) is thrown as it came.
 */
export async function openOrmConnections(orm: MikroORM): Promise<void> {
  const client = (orm.em as EntityManager).getKnex().client as {
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<unknown>;
  };
  const size = orm.config.get('pool')?.max ?? ORM_CONNECTIONS;
  const opened = await Promise.allSettled(Array.from({ length: size }, () => client.acquireConnection()));
  const failed: unknown[] = [];
  for (const result of opened) {
    if (result.status === 'fulfilled') await client.releaseConnection(result.value);
    else failed.push(result.reason);
  }
  if (!failed.length) return;
  await orm.close(true);
  const refused = failed.filter(isTooManyConnections) as Error[];
  if (!refused.length) throw failed[0];
  throw new Error(
    `PostgreSQL refused ${refused.length} of the ${size} connections for the ORM (${refused[0].message}): ${CONNECTION_LIMIT_ADVICE}`,
  );
}
