import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DatabaseError, Pool } from 'pg';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { SqlRunner } from './message-store';

/** How long (ms) after the server closed a connection the missing ones are reopened: losses at once (a restart) are replaced together. */
export const REFILL_DELAY_MS = 1000;
/** How long (ms) between tries to reopen them while PostgreSQL refuses or is down. */
const REFILL_RETRY_MS = 5000;
/**
 * How long (ms) a connect may take before it fails, and a statement may wait for a free connection
 * (node-postgres' `connectionTimeoutMillis`; it waits forever by default).
 */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The connection pool of `sendMessage`'s one statement, the API's hottest query. It runs as a named
 * prepared statement (PostgreSQL parses and plans it once per connection, not once per message) on
 * plain `pg`, without MikroORM's entity manager and knex around it. Everything else stays on MikroORM.
 *
 * The pool holds up to `MESSAGE_WRITER_CONNECTIONS` (default 24). Each message commits on its own and
 * waits for PostgreSQL's WAL flush; statements in flight together share one flush (PostgreSQL's group
 * commit), while statements queued in the pool wait for a connection and then each for a flush of its own.
 * With 8 connections, a slow flush at 1,250 messages/s left up to 43 statements queued (bench/NOTES.md §27).
 *
 * The pool has a fixed size: every connection is opened before the API serves ({@link onModuleInit}) and
 * kept while idle. Opened on demand and closed after 10 s idle (node-postgres' default), connections were
 * opened a dozen at once whenever a pause let statements pile up, each a new PostgreSQL backend to fork
 * and warm while the messages waited, and that turned pauses of tens of ms into stalls of hundreds, about
 * every 10 s (bench/NOTES.md §33). HikariCP recommends a fixed-size pool for the same reason (its README,
 * `minimumIdle`). A statement's error from the server (a unique violation on a message sent twice) keeps
 * its connection: node-postgres' `pool.query` would close it. Connections the server closes (a restart, a
 * failover, `pg_terminate_backend`) are reopened together {@link REFILL_DELAY_MS} later; for that one round
 * of connects (at most {@link CONNECT_TIMEOUT_MS}) the refill holds the idle connections too, so that each
 * of its connects opens a new one. Connections carry `application_name` `parley-message-writer`
 * (`pg_stat_activity`).
 */
@Injectable()
export class MessageWriter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MessageWriter.name);
  private readonly pool: Pool;
  private readonly size: number;
  /** Statement texts with `$n` placeholders, by name. */
  private readonly texts = new Map<string, string>();
  /** Connections the pool dropped since the last refill, and the first reason the server gave. */
  private lost = 0;
  private lostReason?: string;
  private refillTimer?: NodeJS.Timeout;
  /** Whether the last refill failed: its warning is not repeated until one succeeds. */
  private refillFailing = false;
  private closing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.size = config.messageWriterConnections;
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: this.size,
      min: this.size, // node-postgres closes idle connections only above `min`
      application_name: 'parley-message-writer',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // An idle connection closed by the server must not crash the process: reported by the refill.
    this.pool.on('error', (error) => (this.lostReason ??= error.message));
    this.pool.on('remove', () => {
      if (this.closing) return;
      this.lost++;
      this.scheduleRefill(REFILL_DELAY_MS);
    });
  }

  /**
   * Opens all `MESSAGE_WRITER_CONNECTIONS` connections at once, before the API listens.
   * @throws Error `PostgreSQL refused n of the N connections for messages (…)` when PostgreSQL refuses any
   *   (`max_connections`, or a role's or database's `CONNECTION LIMIT`): an API holding the rest would leave
   *   MikroORM's queries short of connections (bench/NOTES.md §33), so it does not start.
   */
  async onModuleInit(): Promise<void> {
    const refused = await this.open(this.size);
    if (refused.length) {
      await this.onModuleDestroy();
      throw new Error(
        `PostgreSQL refused ${refused.length} of the ${this.size} connections for messages (${refused[0].message}): ` +
          "raise its connection limit (max_connections, or the role's or database's CONNECTION LIMIT) or lower MESSAGE_WRITER_CONNECTIONS",
      );
    }
  }

  /**
   * Takes `count` connections from the pool at once, holding each until all are settled, then puts them
   * back: the idle ones first, so `count` = the idle ones + n opens n new ones. The errors of those that failed.
   */
  private async open(count: number): Promise<Error[]> {
    const opened = await Promise.allSettled(Array.from({ length: count }, () => this.pool.connect()));
    const failed: Error[] = [];
    for (const result of opened) {
      if (result.status === 'fulfilled') result.value.release();
      else failed.push(result.reason as Error);
    }
    return failed;
  }

  private scheduleRefill(delayMs: number): void {
    if (this.closing || this.refillTimer) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      void this.refill();
    }, delayMs).unref();
  }

  /**
   * Reopens the connections the pool is missing, all at once; one warning line per loss (how many were
   * dropped, the first reason), one when they cannot be reopened, tried again every {@link REFILL_RETRY_MS}
   * silently, and one when they are all back.
   */
  private async refill(): Promise<void> {
    const missing = this.size - this.pool.totalCount;
    const [lost, reason] = [this.lost, this.lostReason];
    this.lost = 0;
    this.lostReason = undefined;
    if (this.closing || missing <= 0) return;
    if (lost) this.logger.warn(`The message writer lost ${lost} PostgreSQL connection(s) (${reason ?? 'closed'}); reopening ${missing}`);
    const failed = await this.open(missing + this.pool.idleCount);
    if (!failed.length) {
      // A statement's connection came back while the connects ran and took one of them: another round.
      if (this.pool.totalCount < this.size) this.scheduleRefill(REFILL_DELAY_MS);
      if (this.refillFailing) this.logger.log(`The message writer has its ${this.size} PostgreSQL connections again`);
      this.refillFailing = false;
      return;
    }
    if (!this.refillFailing) {
      this.logger.warn(
        `The message writer could not reopen ${failed.length} of ${missing} PostgreSQL connections (${failed[0].message}); trying again every ${REFILL_RETRY_MS / 1000} s`,
      );
    }
    this.refillFailing = true;
    this.scheduleRefill(REFILL_RETRY_MS);
  }

  /** A {@link SqlRunner} on this pool: `?` placeholders become `$1…`, the statement is prepared under `name`. */
  readonly run: SqlRunner = async <Row>(name: string, text: string, params: unknown[]): Promise<Row[]> => {
    let prepared = this.texts.get(name);
    if (prepared === undefined) {
      let n = 0;
      prepared = text.replace(/\?/g, () => `$${++n}`);
      this.texts.set(name, prepared);
    }
    const client = await this.pool.connect();
    try {
      const result = await client.query({ name, text: prepared, values: params });
      return result.rows as Row[];
    } catch (error) {
      // The server's error on a statement leaves the connection usable; a broken one is dropped on release anyway.
      if (!(error instanceof DatabaseError)) this.lostReason ??= (error as Error).message;
      throw error;
    } finally {
      client.release();
    }
  };

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.refillTimer);
    if (!this.pool.ended) await this.pool.end();
  }
}
