import { DriverException, type Dictionary, type MikroORM } from '@mikro-orm/core';
import { AbstractSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';

// What a database error's message may say: PostgreSQL's own message, its SQLSTATE and constraint as
// properties, never the request's values. Logs of unexpected errors (Nest's, with the stack) print the message.

/**
 * A MikroORM extension (`extensions`: `MikroORM.init` registers it once connected) that takes the failed
 * statement off the message of every error knex passes on, leaving the driver's (e.g. `value too long for
 * type character varying(120)`), so logs of unexpected database errors hold no user data.
 *
 * knex writes `<statement> - <message>` (knex 3.2, `lib/execution/internal/query-executioner.js`), and the
 * statement holds the request's values: MikroORM 6 writes them into the text before knex sees it
 * (`AbstractSqlConnection#execute`, `Platform#formatQuery`; it sends no bindings), so knex's `?` placeholders
 * never come into it — a visitor's name, a message's text, a resolution. With `compileSqlOnError: false`
 * (in `driverOptions`) knex writes the statement exactly as it ran it, not re-formatted (which turns a `\?`
 * inside a value into `?`), and its `query-error` event, emitted before the error is thrown on, names that
 * statement: the prefix comes off exactly. An error met a second time keeps its message.
 */
export const DRIVER_MESSAGE_ONLY = {
  register(orm: MikroORM): void {
    const knex = (orm.em.getConnection() as AbstractSqlConnection).getKnex();
    knex.on('query-error', (error: Error, query: { sql: string }) => {
      const statement = `${query.sql} - `;
      if (error.message.startsWith(statement)) error.message = error.message.slice(statement.length);
    });
  },
};

/**
 * MikroORM's PostgreSQL driver, except that an error's message does not get PostgreSQL's `detail` and
 * `hint` appended. MikroORM's `PostgreSqlExceptionConverter` (6.6) adds them as `\n - detail: …`, and a
 * detail quotes row data: `Key (email)=(ann@example.com) already exists.` for a unique violation, `Failing
 * row contains (…)` with a visitor's name or a message's text for a not-null or check violation
 * (PostgreSQL docs, "Error Message Reporting", the DETAIL field). The converted error still carries both
 * (`detail`, `hint`) for code that reads them, as non-enumerable properties: the API's logger (pino's error
 * serializer) writes an error's enumerable properties, `code` (SQLSTATE), `constraint` and `table` among them.
 * Used as `driver` in `mikroOrmOptions` (`database/mikro-orm.config.ts`).
 */
export class PostgreSqlDriverWithoutRowData extends PostgreSqlDriver {
  override convertException(exception: Error & Dictionary<unknown>): DriverException {
    if (exception instanceof DriverException) return exception;
    const { detail, hint } = exception as { detail?: unknown; hint?: unknown };
    exception.detail = exception.hint = undefined;
    try {
      const converted = super.convertException(exception);
      for (const [key, value] of Object.entries({ detail, hint })) {
        Object.defineProperty(converted, key, { value, enumerable: false, writable: true, configurable: true });
      }
      return converted;
    } finally {
      exception.detail = detail;
      exception.hint = hint;
    }
  }
}
