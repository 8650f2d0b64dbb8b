import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { SqlRunner } from './message-store';

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
 * and warm while the messages waited, and that turned a pause of tens of ms into one of hundreds, about
 * every 10 s (bench/NOTES.md §33). HikariCP recommends a fixed-size pool for the same reason
 * (its README, `minimumIdle`). A connection the server drops is replaced when a statement needs one.
 * Connections carry `application_name` `parley-message-writer` (`pg_stat_activity`).
 */
@Injectable()
export class MessageWriter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MessageWriter.name);
  private readonly pool: Pool;
  private readonly size: number;
  /** Statement texts with `$n` placeholders, by name. */
  private readonly texts = new Map<string, string>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.size = config.messageWriterConnections;
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: this.size,
      min: this.size, // node-postgres closes idle connections only above `min`
      application_name: 'parley-message-writer',
    });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    this.pool.on('error', (error) => this.logger.warn(`PostgreSQL connection of the message writer lost: ${error.message}`));
  }

  /**
   * Opens all `MESSAGE_WRITER_CONNECTIONS` connections at once, before the API listens. Those PostgreSQL
   * refuses (`max_connections`, a role's connection limit) are reported in one warning line and opened
   * later when a statement needs them; the API starts either way.
   */
  async onModuleInit(): Promise<void> {
    const opened = await Promise.allSettled(Array.from({ length: this.size }, () => this.pool.connect()));
    const refused: unknown[] = [];
    for (const result of opened) {
      if (result.status === 'fulfilled') result.value.release();
      else refused.push(result.reason);
    }
    if (refused.length) {
      this.logger.warn(
        `Opened ${this.size - refused.length} of ${this.size} PostgreSQL connections for messages (${(refused[0] as Error).message}); ` +
          'the rest will be tried when needed: raise PostgreSQL max_connections or lower MESSAGE_WRITER_CONNECTIONS',
      );
    }
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
    await this.pool.end();
  }
}
