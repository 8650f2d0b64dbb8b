import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
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
 */
@Injectable()
export class MessageWriter implements OnModuleDestroy {
  private readonly logger = new Logger(MessageWriter.name);
  private readonly pool: Pool;
  /** Statement texts with `$n` placeholders, by name. */
  private readonly texts = new Map<string, string>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Pool({ connectionString: config.databaseUrl, max: config.messageWriterConnections });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    this.pool.on('error', (error) => this.logger.warn(`PostgreSQL connection of the message writer lost: ${error.message}`));
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
