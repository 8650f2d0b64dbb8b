import { ErrorCode } from '@parley/shared';
import { DomainError } from './domain-error';

/**
 * The request could not be served because something the API depends on is not there right now, not
 * because of the request: `extensions.code` `SERVICE_UNAVAILABLE` with `retryable: true`.
 */
export class ServiceUnavailableError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, { retryable: true });
  }

  /** This instance is shutting down; another one (or this one, restarted) serves the retry. */
  static shuttingDown(): ServiceUnavailableError {
    return new ServiceUnavailableError('This API instance is shutting down; retry the request');
  }
}

/** Socket-level failures of a connection to PostgreSQL or Redis. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs meaning "the server is not serving right now" (PostgreSQL manual, Appendix A,
 * "PostgreSQL Error Codes"): class 08 connection exception, except 08P01 protocol_violation (see
 * {@link PROTOCOL_VIOLATION}); class 57 operator intervention's 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now; class 53 insufficient resources' 53300 too_many_connections; class 25 invalid
 * transaction state's 25006 read_only_sql_transaction (see {@link READ_ONLY_SQL_TRANSACTION}). A 55000 is one
 * only when it refused a connection ({@link isRefusedConnection}).
 */
function isUnavailableSqlState(code: string): boolean {
  return (
    (code.startsWith('08') && code !== PROTOCOL_VIOLATION) ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300' ||
    code === READ_ONLY_SQL_TRANSACTION
  );
}

/**
 * SQLSTATE 25006 read_only_sql_transaction: a write in a read-only transaction ("cannot execute INSERT in a
 * read-only transaction", "… during recovery"). Appendix A files it under class 25, invalid transaction state:
 * the transaction's state refused the statement, not the statement's values. Parley never asks for a read-only
 * transaction, so its transactions are read-only only when the server makes them so: a standby (in recovery,
 * every transaction is read-only), e.g. the demoted primary a connection still reaches after a failover, or a
 * server set `default_transaction_read_only` (a managed service whose disk is full, a failover tool fencing the
 * old primary). Nothing was written (the statement and its transaction failed), and the same request succeeds
 * once the writes reach a writable primary: an outage of writes, answered as one.
 */
const READ_ONLY_SQL_TRANSACTION = '25006';

/**
 * SQLSTATE 55000 object_not_in_prerequisite_state: Appendix A's class 55 covers statements refused for the state
 * of an object they name (e.g. a sequence's `currval` before any `nextval`: a bug, the same on every retry).
 * Only the one PostgreSQL raises while opening a session, "database … is not currently accepting connections"
 * (`ALTER DATABASE … ALLOW_CONNECTIONS false`, set for a while around a restore or a rename), is the server not
 * serving: a session refused at its start, severity FATAL, raised by the routine `CheckMyDatabase` (a name
 * PostgreSQL does not translate, unlike the message, which is matched too for servers that leave routines out).
 */
const NOT_IN_PREREQUISITE_STATE = '55000';
const REFUSED_CONNECTION_MESSAGE = /is not currently accepting connections/i;
const REFUSED_CONNECTION_ROUTINE = 'CheckMyDatabase';

function isRefusedConnection(error: Cause): boolean {
  if (error.code !== NOT_IN_PREREQUISITE_STATE) return false;
  return error.routine === REFUSED_CONNECTION_ROUTINE || (typeof error.message === 'string' && REFUSED_CONNECTION_MESSAGE.test(error.message));
}

/**
 * SQLSTATE 08P01 protocol_violation: what PostgreSQL answers, e.g., a parameter holding a NUL character (its
 * wire format ends strings with NUL). A statement the API sent wrong, not an outage: a retry fails the same
 * way. (NUL characters in arguments are refused before any SQL, by `InputValidationPipe`.)
 */
const PROTOCOL_VIOLATION = '08P01';

/** What `pg`, knex's pool and ioredis say when the connection is gone or cannot be had. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i, // pg: the server closed the connection (restart, crash)
  /Client has encountered a connection error and is not queryable/i, // pg
  /Timeout acquiring a connection/i, // knex pool: nothing to hand out while the server is down
  /Connection is closed/i, // ioredis
  /Reached the max retries per request limit/i, // ioredis MaxRetriesPerRequestError
  /Stream isn't writeable and enableOfflineQueue options is false/i, // ioredis
  /^Command timed out$/, // ioredis: no answer within its commandTimeout (REDIS_COMMAND_TIMEOUT_MS), a Redis that hangs
];

type Cause = { code?: unknown; name?: unknown; message?: unknown; routine?: unknown; cause?: unknown; previous?: unknown; originalError?: unknown };

/** `error` and everything it wraps (`originalError` of GraphQL, `previous` of MikroORM, `cause`), outermost first. */
function* chain(error: unknown): Generator<Cause> {
  const seen = new Set<unknown>();
  for (let current = error; current !== null && typeof current === 'object' && !seen.has(current); ) {
    seen.add(current);
    const e = current as Cause;
    yield e;
    current = e.originalError ?? e.previous ?? e.cause;
  }
}

/**
 * Whether `error` (or anything it wraps: `cause`, MikroORM's `previous`, GraphQL's `originalError`) says
 * PostgreSQL or Redis is unreachable, restarting or shutting down — a fault of the moment that a retry of
 * the same request can get past — rather than a bug or a refused input.
 */
export function isServiceUnavailable(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e instanceof ServiceUnavailableError) return true;
    if (typeof e.code === 'string' && (CONNECTION_ERRNOS.has(e.code) || isUnavailableSqlState(e.code) || isRefusedConnection(e))) return true;
    if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ConnectionException') return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(e.message as string))) return true;
  }
  return false;
}

/**
 * An error's own message, or else its first inner error's: Node's `AggregateError` for a connection refused
 * on every address of a host (IPv4 and IPv6, `autoSelectFamily`) has an empty message and the reasons in
 * `errors`.
 */
function messageOf(error: Cause): string | undefined {
  if (typeof error.message === 'string' && error.message.trim() !== '') return error.message;
  const inner = (error as { errors?: unknown }).errors;
  const first: unknown = Array.isArray(inner) ? inner[0] : undefined;
  return first !== null && typeof first === 'object' ? messageOf(first) : undefined;
}

/**
 * Why `error` is one {@link isServiceUnavailable} recognises, in a few words for a log line: the first
 * message in its chain (an `AggregateError`'s first inner one; else its name or code) and the first code
 * (SQLSTATE or errno), e.g. `terminating connection due to administrator command, 57P01`. A database error's
 * message holds no statement and no row data, and so none of the request's values (`database/error-privacy.ts`).
 */
export function describeUnavailable(error: unknown): string {
  const causes = [...chain(error)];
  const code = causes.map((e) => e.code).find((c) => typeof c === 'string');
  const message = causes.map(messageOf).find((m) => m !== undefined) ?? (typeof causes[0]?.name === 'string' ? causes[0].name : undefined);
  if (message === undefined) return code === undefined ? String(error) : String(code);
  return code === undefined ? message : `${message}, ${String(code)}`;
}
