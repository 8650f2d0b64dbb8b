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
