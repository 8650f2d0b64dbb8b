import { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one parameterised SQL statement (`?` placeholders) on `em`'s connection, inside `em`'s
 * transaction when it has one. For the hot paths where the unit of work would cost more than it gives.
 */
export function sql<Row>(em: EntityManager, text: string, params: unknown[] = []): Promise<Row[]> {
  return em.getConnection().execute<Row[]>(text, params, 'all', em.getTransactionContext());
}

/** PostgreSQL SQLSTATE 23505: a unique constraint refused the write. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** PostgreSQL SQLSTATE 53300 `too_many_connections`: `max_connections`, or a role's or database's `CONNECTION LIMIT`, refused a connection. */
export function isTooManyConnections(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '53300';
}

/** What to change when PostgreSQL refuses connections for their number ({@link isTooManyConnections}). */
export const CONNECTION_LIMIT_ADVICE = "raise its connection limit (max_connections, or the role's or database's CONNECTION LIMIT)";
