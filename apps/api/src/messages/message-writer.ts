import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { GroupedWarning } from '../common/grouped-warning';
import { describeUnavailable, isServiceUnavailable } from '../common/service-unavailable';
import { APP_CONFIG } from '../config/config.module';
import { FixedSizePool, REOPEN_MAX_DELAY_MS } from '../database/fixed-size-pool';
import { POSTGRES_KEEPALIVE } from '../database/keep-alive';
import { CONNECTION_LIMIT_ADVICE, isTooManyConnections } from '../database/sql';
import { appendMessage, appendSentMessages, senderOf, type AppendResult, type NewMessage, type SentMessage, type SqlRunner } from './message-store';

/** How long (ms) idle connections lost after a first one (a restart closes them all) are counted into one warning line. */
const LOSS_REPORT_MS = 1000;
/**
 * How long (ms) a new connection may take to open (TCP connect, startup, authentication) before the try
 * fails as unavailable and the pool backs off: without a limit, a PostgreSQL that hangs, or a host that
 * drops packets, holds a try (and the statements waiting for it) until TCP gives up, minutes later.
 */
export const CONNECT_TIMEOUT_MS = 10_000;
/** The most messages one statement stores ({@link MessageWriter.append}). */
const MAX_BATCH = 100;

/** A message waiting for its statement. */
interface Pending {
  message: SentMessage;
  /** To be written in a statement of its own: its batch passed it over (see {@link MessageWriter.append}). */
  alone?: boolean;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes what `sendMessage` stores, the API's hottest statement, on a connection pool of its own. The
 * statement runs as a named prepared statement (PostgreSQL parses and plans it once per connection, not
 * once per message) on plain `pg`, without MikroORM's entity manager and knex around it. Everything else
 * stays on MikroORM.
 *
 * The pool holds `MESSAGE_WRITER_CONNECTIONS` (default 24), one statement each at a time. Messages go in
 * batches ({@link append}): those that come together, or while every connection is busy, share one
 * statement, one commit and one WAL flush, so a burst or a pause drains in a few statements instead of a
 * queue of one statement (and one flush) per message (bench/NOTES.md §27, §36).
 *
 * The pool has a fixed size ({@link FixedSizePool}): every connection is opened before the API serves
 * ({@link onModuleInit}) and kept while idle. Opened on demand and closed after 10 s idle (node-postgres'
 * default), connections were opened a dozen at once whenever a pause let statements pile up, each a new
 * PostgreSQL backend to fork and warm while the messages waited, and that turned pauses of tens of ms into
 * stalls of hundreds, about every 10 s (bench/NOTES.md §33). HikariCP recommends a fixed-size pool for the
 * same reason (its README, `minimumIdle`). Connections the server closes (a restart, a failover,
 * `pg_terminate_backend`), and one whose statement failed (closed, as node-postgres' `pool.query` does,
 * unless PostgreSQL refused the statement alone, e.g. an idempotent retry's unique violation), are reopened
 * in the background at once, one at a time, back to `MESSAGE_WRITER_CONNECTIONS`, not in a burst when
 * statements need them; while PostgreSQL refuses them, cannot be reached or does not complete a connection
 * within {@link CONNECT_TIMEOUT_MS}, tries back off up to {@link REOPEN_MAX_DELAY_MS} apart. Statements wait
 * for a connection meanwhile, or fail with the connect error while none is open. Idle ones lost together are
 * reported in two warning lines (the first, then how many more), an outage in one (the first failed try).
 * Connections carry `application_name` `parley-message-writer` (`pg_stat_activity`) and TCP keepalive
 * ({@link POSTGRES_KEEPALIVE}).
 */
@Injectable()
export class MessageWriter implements OnModuleInit, OnModuleDestroy {
  private readonly pool: FixedSizePool;
  private readonly logger = new Logger(MessageWriter.name);
  /** Statement texts with `$n` placeholders, by name. */
  private readonly texts = new Map<string, string>();
  /** Idle connections lost: the first at once, then one line per LOSS_REPORT_MS for those after it. */
  private readonly losses = new GroupedWarning(
    this.logger,
    LOSS_REPORT_MS,
    (reason) => `PostgreSQL closed an idle connection of the message writer (${reason}); connections are reopened in the background`,
    (count) => `PostgreSQL closed ${count} more idle connection(s) of the message writer within ${LOSS_REPORT_MS / 1000} s`,
  );

  /** Messages not yet in a statement, in the order they came. */
  private pending: Pending[] = [];
  /** Statements of {@link append} running now: at most one per connection. */
  private writing = 0;
  /** Sessions with a message in a running statement: their next message waits for it. */
  private readonly sessionsWriting = new Set<string>();
  private dispatchQueued = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly em: EntityManager,
  ) {
    this.pool = new FixedSizePool(
      {
        connectionString: config.databaseUrl,
        application_name: 'parley-message-writer',
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...POSTGRES_KEEPALIVE, // kept while idle: probed, so no NAT forgets them silently
      },
      config.messageWriterConnections,
      {
        // Those lost right after it are counted in one line (GroupedWarning).
        idleLost: (error) => this.losses.add(error.message),
        // One line per outage: the first failure; the tries after it are not written.
        openFailed: (error, _retryInMs, failures) => {
          if (failures === 1) {
            this.logger.warn(
              `The message writer could not reopen a connection to PostgreSQL (${describeUnavailable(error)}); ` +
                `it tries again, at most ${REOPEN_MAX_DELAY_MS / 1000} s apart, until PostgreSQL accepts`,
            );
          }
        },
        openRecovered: (failures) => this.logger.log(`The message writer reopened a connection to PostgreSQL after ${failures} failed attempt(s)`),
      },
    );
  }

  /**
   * Opens all `MESSAGE_WRITER_CONNECTIONS` connections at once, before the API listens.
   * @throws Error `PostgreSQL refused n of the N connections for messages (…)` when PostgreSQL refuses any
   *   for their number (SQLSTATE 53300: `max_connections`, or a role's or database's `CONNECTION LIMIT`): an
   *   API holding the rest would leave MikroORM's queries short of connections (bench/NOTES.md §33), so it
   *   does not start; any other failure to open one (unreachable, closed while opening) as it came.
   */
  async onModuleInit(): Promise<void> {
    const failed = await this.pool.openAll();
    if (!failed.length) return;
    await this.onModuleDestroy();
    const refused = failed.filter(isTooManyConnections);
    if (!refused.length) throw failed[0];
    throw new Error(
      `PostgreSQL refused ${refused.length} of the ${this.pool.size} connections for messages (${refused[0].message}): ` +
        `${CONNECTION_LIMIT_ADVICE} or lower MESSAGE_WRITER_CONNECTIONS`,
    );
  }

  /** A {@link SqlRunner} on this pool: `?` placeholders become `$1…`, the statement is prepared under `name`. */
  readonly run: SqlRunner = async <Row>(name: string, text: string, params: unknown[]): Promise<Row[]> => {
    let prepared = this.texts.get(name);
    if (prepared === undefined) {
      let n = 0;
      prepared = text.replace(/\?/g, () => `$${++n}`);
      this.texts.set(name, prepared);
    }
    const result = await this.pool.query({ name, text: prepared, values: params });
    return result.rows as Row[];
  };

  /**
   * Stores a visitor's or operator's message (what `sendMessage` writes) with its session's next `seq`.
   *
   * Messages are written in batches: those that reach the writer in the same turn of the event loop, and
   * those that came while every connection was busy, go in one statement ({@link appendSentMessages}: one
   * round trip, one commit, one WAL flush for all of them, at most {@link MAX_BATCH}); a lone message goes
   * in {@link appendMessage}'s statement, which costs PostgreSQL less. A message that finds a connection
   * free waits for nothing more than the end of the turn it came in. A session's messages are written in
   * the order they came, one statement after the other: a session with a message in a running statement
   * waits for it, so one session's messages take their seqs in the order they reach the writer.
   *
   * A batch waits for no other transaction: a session whose row another transaction holds (an accept, a
   * close, an administrator's `SELECT … FOR UPDATE`) is passed over, and so is a message that a batch did
   * not store for any other reason (session missing or closed, a writer who may not write there). Each
   * such message is then written alone ({@link appendMessage}, in a statement of its own, waiting for the
   * row as before batches), so a held row delays its own session's messages only, and each message gets
   * its own answer. When a batch's statement fails for a reason PostgreSQL gave (a `clientMessageId`
   * already used: an idempotent retry; any error of one message), nothing of it was written and each of
   * its messages is written alone. When PostgreSQL is unreachable, every message of the batch gets that
   * error.
   * @returns as {@link appendMessage}: the stored message and whether this call created it, or `null` when
   *   nothing was written (session missing or closed, or the writer may not write into it)
   */
  append(message: SentMessage): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      if (this.dispatchQueued) return;
      this.dispatchQueued = true;
      setImmediate(() => {
        this.dispatchQueued = false;
        this.dispatch();
      });
    });
  }

  /** Starts statements for pending messages while a connection is free. */
  private dispatch(): void {
    while (this.writing < this.pool.size && this.pending.length > 0) {
      const batch = this.nextBatch();
      if (!batch.length) return; // every pending message waits for its session's running statement
      this.writing++;
      for (const { message } of batch) this.sessionsWriting.add(message.sessionId);
      void this.write(batch).finally(() => {
        this.writing--;
        for (const { message } of batch) this.sessionsWriting.delete(message.sessionId);
        this.dispatch();
      });
    }
  }

  /**
   * Takes the oldest pending message of each session not being written, up to {@link MAX_BATCH}; a message
   * to be written alone, when it comes first, goes in a statement of its own.
   */
  private nextBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const sessions = new Set<string>();
    let full = false;
    for (const item of this.pending) {
      const session = item.message.sessionId;
      const taken = !full && !sessions.has(session) && !this.sessionsWriting.has(session) && !(item.alone && batch.length > 0);
      sessions.add(session); // a later message of a passed-over session must not overtake it
      if (taken) {
        batch.push(item);
        full = item.alone === true || batch.length >= MAX_BATCH;
      } else {
        rest.push(item);
      }
    }
    this.pending = rest;
    return batch;
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.writeAlone(batch[0]);
    let passedOver: Pending[];
    try {
      const stored = await appendSentMessages(
        this.run,
        batch.map((item) => item.message),
      );
      passedOver = batch.filter((item, i) => {
        const message = stored[i];
        if (message) item.resolve({ message, created: true });
        return !message;
      });
    } catch (error) {
      if (isServiceUnavailable(error)) {
        for (const item of batch) item.reject(error);
        return;
      }
      passedOver = batch; // each learns its own outcome alone
    }
    // Ahead of every message that came after them; their sessions stay busy until this statement's slot is free.
    for (const item of passedOver) item.alone = true;
    this.pending.unshift(...passedOver);
  }

  /** One message in a statement of its own ({@link appendMessage}: cheaper for PostgreSQL than a batch of one). */
  private writeAlone(item: Pending): Promise<void> {
    return appendMessage(this.em, asNewMessage(item.message), this.run).then(item.resolve, item.reject);
  }

  /** Stops reopening connections (no timer is left), lets the statements running finish, and closes every connection. */
  async onModuleDestroy(): Promise<void> {
    this.losses.flush();
    if (!this.pool.isEnded) await this.pool.end();
  }
}

/** A {@link SentMessage} as {@link appendMessage} takes it. */
function asNewMessage({ sessionId, content, clientMessageId, writer }: SentMessage): NewMessage {
  return { sessionId, content, clientMessageId, writer, ...senderOf(writer) };
}
