import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { AppConfig } from '../config/app-config';
import { GroupedWarning } from '../common/grouped-warning';
import { APP_CONFIG } from '../config/config.module';
import { POSTGRES_KEEPALIVE } from '../database/keep-alive';
import { CONNECTION_LIMIT_ADVICE, isTooManyConnections } from '../database/sql';
import type { SqlRunner } from './message-store';

/** How long (ms) idle connections lost after a first one (a restart closes them all) are counted into one warning line. */
const LOSS_REPORT_MS = 1000;

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
 * `minimumIdle`). Connections the server closes (a restart, a failover, `pg_terminate_backend`), and
 * one whose statement failed (node-postgres' `pool.query` closes it), are reopened when statements need
 * them, as before; idle ones lost together are reported in two warning lines (the first, then how many
 * more). Connections carry `application_name` `parley-message-writer` (`pg_stat_activity`) and TCP
 * keepalive ({@link POSTGRES_KEEPALIVE}).
 */
@Injectable()
export class MessageWriter implements OnModuleInit, OnModuleDestroy {
  private readonly pool: Pool;
  private readonly size: number;
  /** Statement texts with `$n` placeholders, by name. */
  private readonly texts = new Map<string, string>();
  /** Idle connections lost: the first at once, then one line per LOSS_REPORT_MS for those after it. */
  private readonly losses = new GroupedWarning(
    new Logger(MessageWriter.name),
    LOSS_REPORT_MS,
    (reason) => `PostgreSQL closed an idle connection of the message writer (${reason}); connections are reopened as statements need them`,
    (count) => `PostgreSQL closed ${count} more idle connection(s) of the message writer within ${LOSS_REPORT_MS / 1000} s`,
  );

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.size = config.messageWriterConnections;
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: this.size,
      min: this.size, // node-postgres closes idle connections only above `min`
      application_name: 'parley-message-writer',
      ...POSTGRES_KEEPALIVE, // kept while idle: probed, so no NAT forgets them silently
    });
    // An idle connection closed by the server must not crash the process (node-postgres' documented
    // 'error' event); the pool drops it. Those lost right after it are counted in one line (GroupedWarning).
    this.pool.on('error', (error) => this.losses.add(error.message));
  }

  /**
   * Opens all `MESSAGE_WRITER_CONNECTIONS` connections at once, before the API listens.
   * @throws Error `PostgreSQL refused n of the N connections for messages (…)` when PostgreSQL refuses any
   *   for their number (SQLSTATE 53300: `max_connections`, or a role's or database's `CONNECTION LIMIT`): an
   *   API holding the rest would leave MikroORM's queries short of connections (bench/NOTES.md §33), so it
   *   does not start; any other failure to open one (unreachable, closed while opening) as it came.
   */
  async onModuleInit(): Promise<void> {
    const failed: Error[] = [];
    const opened: Array<{ client: PoolClient; onError: (error: Error) => void; failure?: Error }> = [];
    // Each is held until all are open: one closed meanwhile must not reach the process as an unhandled 'error'.
    await Promise.allSettled(
      Array.from({ length: this.size }, async () => {
        try {
          const client = await this.pool.connect();
          const held: (typeof opened)[number] = { client, onError: (error) => (held.failure ??= error) };
          client.on('error', held.onError);
          opened.push(held);
        } catch (error) {
          failed.push(error as Error);
        }
      }),
    );
    for (const { client, onError, failure } of opened) {
      client.removeListener('error', onError);
      client.release(failure);
      if (failure) failed.push(failure);
    }
    if (!failed.length) return;
    await this.onModuleDestroy();
    const refused = failed.filter(isTooManyConnections);
    if (!refused.length) throw failed[0];
    throw new Error(
      `PostgreSQL refused ${refused.length} of the ${this.size} connections for messages (${refused[0].message}): ` +
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

  async onModuleDestroy(): Promise<void> {
    this.losses.flush();
    if (!this.pool.ended) await this.pool.end();
  }
}
