import { equalJitterBackoffMs } from '@parley/shared';
import { Client, DatabaseError, type ClientConfig, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';

/** The first wait (ms) before another try after a connection failed to open; it doubles with each failure in a row. */
export const REOPEN_FIRST_DELAY_MS = 100;
/** The longest wait (ms) between two tries to open a connection while PostgreSQL refuses them or cannot be reached. */
export const REOPEN_MAX_DELAY_MS = 5000;
/**
 * While no connection is open and the pool waits to try again, a statement fails at once with the last
 * failure when that failure is younger than this (ms); an older one, and the statement makes the pool try
 * at once instead of waiting out its delay. Statements never start more than one try at a time.
 */
export const STATEMENT_RETRY_AFTER_MS = 250;

/**
 * How long (ms) to wait before the next try after `failures` (≥ 1) tries in a row failed: exponential
 * backoff from {@link REOPEN_FIRST_DELAY_MS}, capped at {@link REOPEN_MAX_DELAY_MS}, with equal jitter
 * (`equalJitterBackoffMs`), so that API processes that lost their connections together (a PostgreSQL
 * restart) do not all come back at once.
 */
export function reopenDelayMs(failures: number, random: () => number = Math.random): number {
  return equalJitterBackoffMs(failures - 1, REOPEN_FIRST_DELAY_MS, REOPEN_MAX_DELAY_MS, random);
}

/** What a {@link FixedSizePool} tells its owner (all optional). */
export interface FixedSizePoolEvents {
  /**
   * An idle connection was closed by the server or lost (node-postgres' client `'error'` event while it
   * waited in the pool); it is dropped and reopened in the background.
   */
  idleLost?(error: Error): void;
  /**
   * A try to open a connection in the background failed, the `failures`-th in a row (1: an outage begins); the
   * next comes in `retryInMs` ms (or sooner, for a statement).
   */
  openFailed?(error: Error, retryInMs: number, failures: number): void;
  /** A connection opened after `failures` tries in a row had failed: the outage {@link openFailed} reported is over. */
  openRecovered?(failures: number): void;
}

/**
 * PostgreSQL did not get a connection ready (TCP connect, startup, authentication) within the pool's
 * `connectionTimeoutMillis`: a server that hangs, or a host that drops packets. `code` `ETIMEDOUT`, so it
 * counts as PostgreSQL being unavailable (`isServiceUnavailable`), as a refused connection does.
 */
export class ConnectTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  /** @param timeoutMs the `connectionTimeoutMillis` that passed (ms) */
  constructor(readonly timeoutMs: number) {
    super(`PostgreSQL did not complete a new connection within ${timeoutMs / 1000} s`);
    this.name = 'ConnectTimeout';
  }
}

/** A statement waiting for a connection. */
interface Waiting {
  query: QueryConfig;
  resolve: (result: QueryResult) => void;
  reject: (error: unknown) => void;
  /** Connections it was sent on that turned out to be ended already ({@link endedBeforeItRan}). */
  resent?: number;
}

/** A node-postgres client that notes whether PostgreSQL bound its running statement. */
class KeptClient extends Client {
  /** Whether BindComplete came for the statement running now: PostgreSQL got that far, and may have executed it. */
  bound = false;
}

/**
 * Whether `error`, for a statement on `client`, says the connection had ended before the statement ran,
 * so it can be sent on another connection without being run twice: PostgreSQL ended the session (an
 * ErrorResponse of severity FATAL, e.g. SQLSTATE 57P01 from `pg_terminate_backend` or a fast shutdown) and
 * had not bound the statement (no BindComplete before it). PostgreSQL answers a statement's messages in
 * order, and executes one (Execute) only after binding it (Bind); it sends BindComplete before executing,
 * and a FATAL error flushes what was queued before it (PostgreSQL docs, "Frontend/Backend Protocol",
 * "Extended Query"). The case it covers: a connection ended while idle in the pool whose end node-postgres
 * had not read yet when the statement was handed to it. A connection lost without a FATAL error (a
 * crash, a reset) proves nothing, and is not retried.
 */
function endedBeforeItRan(client: KeptClient, error: Error): boolean {
  return !client.bound && error instanceof DatabaseError && error.severity === 'FATAL';
}

/**
 * SQLSTATE classes of an error that ends only the statement (PostgreSQL docs, Appendix A, "PostgreSQL Error
 * Codes"): 22 data exception, 23 integrity constraint violation, 40 transaction rollback (a serialization
 * failure or deadlock, the statement rolled back). Plus 57014 query_canceled (a statement timeout or a
 * cancel request).
 */
const STATEMENT_ONLY_CLASSES = new Set(['22', '23', '40']);

/**
 * Whether PostgreSQL refused the statement alone and left its connection as usable as before: an ErrorResponse
 * (not a lost connection, not node-postgres' own error) with a SQLSTATE of {@link STATEMENT_ONLY_CLASSES} or
 * 57014. The pool's statements run outside transactions (each its own), so such an error leaves the session
 * idle, not in a failed transaction. Decided by SQLSTATE, not by severity, whose text PostgreSQL translates.
 * Anything else (FATAL errors, protocol errors, 08xxx, 57P0x, an error inside a function PostgreSQL reports
 * under another class) closes the connection, as before.
 */
export function refusedStatementOnly(error: Error): boolean {
  if (!(error instanceof DatabaseError) || typeof error.code !== 'string') return false;
  return STATEMENT_ONLY_CLASSES.has(error.code.slice(0, 2)) || error.code === '57014';
}

/**
 * A pool of `size` node-postgres connections that it keeps: opened together before use ({@link openAll}),
 * never closed while idle, and those lost (closed by the server: a restart, a failover,
 * `pg_terminate_backend`; or closed by the pool after their statement failed) reopened in the background,
 * one at a time, back to `size`, with backoff ({@link reopenDelayMs}) while PostgreSQL refuses them or
 * cannot be reached. Statements never open connections: when every connection is busy they wait for one.
 *
 * Why not node-postgres' `pg.Pool`: it opens connections only for statements, several at once when they
 * pile up (bench/NOTES.md §33: each a backend for PostgreSQL to fork while the messages wait), and offers
 * no way to open one without first handing out every idle one (§33 tried building around that). This is
 * the part of it the message writer uses (`query`), and it hands out the connection released last, as
 * `pg.Pool` does.
 *
 * A connection whose statement failed is closed, as `pg.Pool`'s `query` closes it after any error, unless
 * PostgreSQL refused the statement for what it asked ({@link refusedStatementOnly}: a unique violation, a
 * bad value, a serialization failure, a cancel): the session is then idle and unchanged, and closing it would
 * cost a backend fork per refusal (an idempotent retry of a message is a unique violation, and a widget
 * retries each unanswered message after a reconnect). Every connection has an `'error'` listener from the
 * moment it opens until it is gone, so losing one never reaches the process as an unhandled `'error'`
 * (node-postgres: "Error handling", an idle client's error).
 */
export class FixedSizePool {
  /** Open connections, idle or busy. */
  private readonly clients = new Set<KeptClient>();
  /** Idle connections; the one released last is handed out first. */
  private readonly idle: KeptClient[] = [];
  /** Statements waiting for a connection, in the order they came. */
  private waiting: Waiting[] = [];
  /** Connections being opened. */
  private opening = 0;
  /** While {@link openAll} runs: what went wrong, instead of reopening (the owner decides). */
  private starting?: Error[];
  /** The wait before the next try to open one, while backing off. */
  private retry?: NodeJS.Timeout;
  /** Tries to open a connection that failed in a row, and the last one's error and end (ms since the epoch). */
  private failures = 0;
  private lastFailure?: { error: Error; at: number };
  private ended = false;
  /** Connections being closed: {@link end} waits for their sockets. */
  private readonly closing = new Set<Promise<void>>();
  private onDrained?: () => void;

  /**
   * @param config node-postgres client options for every connection (`connectionString`, `application_name`,
   *   keepalive, `connectionTimeoutMillis`: ms a connection may take to open, 0 or absent for no limit…)
   * @param size how many connections to keep (≥ 1)
   */
  constructor(
    private readonly config: ClientConfig,
    readonly size: number,
    private readonly events: FixedSizePoolEvents = {},
  ) {}

  /** Connections open now, idle or busy (not those being opened). */
  get totalCount(): number {
    return this.clients.size;
  }

  /** Connections idle now. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Statements waiting for a connection now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Whether {@link end} was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Opens all `size` connections at once (the pool is then full before anything uses it).
   * @returns the errors of those that failed to open, or were closed while the others were opening (an
   *   empty array: all open); the pool reopens none of them: the caller decides (e.g. {@link end})
   */
  async openAll(): Promise<Error[]> {
    const failed: Error[] = [];
    this.starting = failed;
    await Promise.all(
      Array.from({ length: this.size - this.clients.size - this.opening }, () => {
        this.opening++;
        return this.connect().then(
          (client) => {
            this.opening--;
            this.add(client);
          },
          (error: Error) => {
            this.opening--;
            failed.push(error);
          },
        );
      }),
    );
    this.starting = undefined;
    if (this.clients.size === 0 && failed.length > 0) for (const statement of this.waiting.splice(0)) statement.reject(failed[0]);
    return failed;
  }

  /**
   * Runs `query` on an idle connection, or on the next one released or opened. Costs no more than
   * `pg.Pool`'s `query`: one promise, no turn of the event loop when a connection is idle. Sent on a
   * connection PostgreSQL had already ended (while idle, not noticed yet), it is sent again on another, at
   * most `size` times ({@link endedBeforeItRan}).
   * @throws the driver's error when the statement fails (its connection is then closed and reopened in the
   *   background, unless PostgreSQL refused the statement alone: {@link refusedStatementOnly}); when no
   *   connection is open and the last try to open one failed, that try's error (e.g. `connect ECONNREFUSED …`,
   *   {@link ConnectTimeout}, SQLSTATE 57P03 while PostgreSQL starts, 53300 `too_many_connections`);
   *   `Error('Cannot use a pool after calling end on the pool')` after {@link end}
   */
  query<Row extends QueryResultRow = QueryResultRow>(query: QueryConfig): Promise<QueryResult<Row>> {
    if (this.ended) return Promise.reject(new Error('Cannot use a pool after calling end on the pool'));
    const client = this.idle.pop();
    return new Promise<QueryResult>((resolve, reject) => {
      if (client) return this.run(client, { query, resolve, reject });
      if (this.clients.size === 0 && this.opening === 0 && this.lastFailure && Date.now() - this.lastFailure.at < STATEMENT_RETRY_AFTER_MS) {
        return reject(this.lastFailure.error); // PostgreSQL refused a moment ago: no try per statement
      }
      this.waiting.push({ query, resolve, reject });
      if (this.clients.size === 0) this.reopenNow();
      else this.reopen();
    }) as Promise<QueryResult<Row>>;
  }

  /**
   * Stops reopening (no timer is left), lets the statements running or waiting finish, closes every
   * connection, idle ones at once and busy ones as their statements end; resolves when all are closed.
   * Statements waiting when no connection is left fail with the `Cannot use a pool…` error. Safe to call twice.
   */
  end(): Promise<void> {
    this.ended = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    for (const client of this.idle.splice(0)) this.drop(client);
    return new Promise((resolve) => {
      this.onDrained = resolve;
      this.checkDrained();
    });
  }

  private run(client: KeptClient, statement: Waiting): void {
    client.bound = false;
    client.query(statement.query, (error: Error | undefined, result: QueryResult) => {
      if (error) {
        if (refusedStatementOnly(error)) {
          // node-postgres queues the next statement until this one's ReadyForQuery.
          this.release(client);
          return statement.reject(error);
        }
        this.drop(client);
        if (endedBeforeItRan(client, error) && (statement.resent ?? 0) < this.size && !this.ended) return this.resend(statement);
        statement.reject(error);
      } else {
        this.release(client);
        statement.resolve(result);
      }
    });
  }

  /** A statement whose connection had ended before it ran: on the next idle connection, or first in line for one. */
  private resend(statement: Waiting): void {
    statement.resent = (statement.resent ?? 0) + 1;
    const client = this.idle.pop();
    if (client) return this.run(client, statement);
    this.waiting.unshift(statement);
    if (this.clients.size === 0) this.reopenNow();
  }

  /** A connection whose statement succeeded: to the first statement waiting, or idle. */
  private release(client: KeptClient): void {
    if (!this.clients.has(client)) return; // lost meanwhile (its 'error' came after the answer)
    const next = this.waiting.shift();
    if (next) return this.run(client, next);
    if (this.ended) return this.drop(client);
    this.idle.push(client);
  }

  /** A connection just opened: to the first statement waiting, or idle. */
  private add(client: KeptClient): void {
    this.clients.add(client);
    this.release(client);
  }

  /** Closes `client` (if still open) and forgets it; reopens one in its place unless the pool ends or starts. */
  private drop(client: KeptClient): void {
    if (!this.clients.delete(client)) return;
    const i = this.idle.indexOf(client);
    if (i !== -1) this.idle.splice(i, 1);
    this.close(client);
    this.reopen();
  }

  private close(client: Client): void {
    const closed: Promise<void> = client.end().then(() => {
      this.closing.delete(closed);
      this.checkDrained();
    });
    this.closing.add(closed);
  }

  /**
   * Opens one client, with an `'error'` listener for all its life: losing it drops it. A connection not ready
   * within the config's `connectionTimeoutMillis` fails with {@link ConnectTimeout}.
   */
  private async connect(): Promise<KeptClient> {
    const client = new KeptClient(this.config);
    client.on('error', (error) => this.lost(client, error));
    client.connection.on('bindComplete', () => (client.bound = true));
    try {
      await client.connect(); // one that fails closes its socket itself
    } catch (error) {
      // node-postgres' words when connectionTimeoutMillis passed (its Client#connect).
      if (error instanceof Error && error.message === 'timeout expired') throw new ConnectTimeout(this.config.connectionTimeoutMillis ?? 0);
      throw error;
    }
    return client;
  }

  /** node-postgres' `'error'` on an open client: the connection is gone (a statement running on it gets its own error too). */
  private lost(client: KeptClient, error: Error): void {
    if (!this.clients.has(client)) return;
    const wasIdle = this.idle.includes(client);
    this.drop(client);
    if (!wasIdle) return;
    if (this.starting) this.starting.push(error);
    else this.events.idleLost?.(error);
  }

  /** Opens connections in the background, one at a time, until `size` are open; backs off after a failure. */
  private reopen(): void {
    if (this.ended || this.starting || this.retry !== undefined || this.opening > 0 || this.clients.size >= this.size) return;
    this.opening++;
    this.connect().then(
      (client) => {
        this.opening--;
        if (this.failures > 0) this.events.openRecovered?.(this.failures);
        this.failures = 0;
        this.lastFailure = undefined;
        if (this.ended) return this.close(client);
        this.add(client);
        this.reopen();
      },
      (error: Error) => {
        this.opening--;
        this.failures++;
        this.lastFailure = { error, at: Date.now() };
        // Nothing open will free up for them: the statements waiting fail now, as they would have on their own connect.
        if (this.clients.size === 0) for (const statement of this.waiting.splice(0)) statement.reject(error);
        if (this.ended) return this.checkDrained();
        const delay = reopenDelayMs(this.failures);
        this.events.openFailed?.(error, delay, this.failures);
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.reopen();
        }, delay).unref();
      },
    );
  }

  /** A statement found no connection open: try now rather than when the backoff's delay ends. */
  private reopenNow(): void {
    if (this.retry !== undefined) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    this.reopen();
  }

  private checkDrained(): void {
    if (!this.ended || !this.onDrained) return;
    if (this.clients.size === 0 && this.opening === 0) {
      for (const statement of this.waiting.splice(0)) statement.reject(new Error('Cannot use a pool after calling end on the pool'));
    }
    if (this.clients.size > 0 || this.opening > 0 || this.closing.size > 0) return;
    const drained = this.onDrained;
    this.onDrained = undefined;
    drained();
  }
}
