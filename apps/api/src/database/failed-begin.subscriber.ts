import { EventSubscriber, Knex, TransactionEventArgs } from '@mikro-orm/postgresql';

/**
 * Makes a transaction whose `BEGIN` failed fail with `BEGIN`'s own error, e.g. the lost connection
 * (`Connection terminated unexpectedly`; SQLSTATE 57P01 when PostgreSQL ended the connection, a pooled one
 * the pool had not yet found closed), so the request is answered `SERVICE_UNAVAILABLE` (retryable) and
 * logged in one line (`ServiceUnavailableFilter`).
 *
 * knex runs `BEGIN` itself and, when it fails, still hands out the transaction (knex 3.2,
 * `lib/execution/transaction.js`: `Transaction#query` catches the error of `BEGIN`, marks the transaction
 * completed and only rejects its `executionPromise` with it). MikroORM (6.6, `AbstractSqlConnection#begin`)
 * then runs the callback of `em.transactional`, or a flush, on a transaction that is already over: the
 * first statement fails with knex's `Transaction query already complete`, a bug as far as the error says,
 * and `BEGIN`'s error is seen by no one. MikroORM calls `afterTransactionStart` (top-level transactions
 * only, with knex's transaction) just after `BEGIN`; a transaction completed at that point can only be one
 * whose `BEGIN` failed, and this hook throws that error, before any statement runs on it. A `Transaction
 * query already complete` of any other cause (a statement on a transaction that was committed) still
 * comes out as it is.
 */
export class FailedBeginSubscriber implements EventSubscriber {
  /** @throws whatever `BEGIN` failed with, when it failed */
  async afterTransactionStart({ transaction }: TransactionEventArgs): Promise<void> {
    const trx = transaction as Knex.Transaction;
    if (trx.isCompleted()) await trx.executionPromise;
  }
}
