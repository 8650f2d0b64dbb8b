import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Subject } from 'rxjs';
import { sql } from '../database/sql';
import { PUB_SUB } from '../realtime/redis.providers';
import { Topics } from '../realtime/topics';

/** How often (ms) the statuses of the operators this instance serves are re-read from PostgreSQL, all in one query. */
export const STATUS_REFRESH_MS = 10_000;
/**
 * How long (ms) a status read from PostgreSQL is trusted: two refreshes, so that a refresh that runs late
 * does not send operations to PostgreSQL, and one that fails does not make a status trusted for longer.
 */
const STATUS_TRUSTED_MS = 2 * STATUS_REFRESH_MS;
/** An operator with no socket here and no operation on this instance for this long (ms) is no longer refreshed. */
const IDLE_MS = 10 * 60_000;

/** Payload of the `<prefix>:operator-disabled` channel. */
export interface OperatorDisabled {
  operatorId: string;
}

/** An operator last read as active: when (Unix ms), when one of its operations last asked, its sockets here. */
interface ActiveOperator {
  checkedAt: number;
  usedAt: number;
  sockets: number;
}

/**
 * Whether an operator account may act. Disabling an account (`npm run operator:disable`) is published on
 * Redis so that every instance forgets its cached status and closes the operator's open sockets at once
 * ({@link disabled}). Behind that, the status of every operator with a socket here or an operation here in
 * the last 10 minutes is re-read from PostgreSQL every {@link STATUS_REFRESH_MS} in the background
 * ({@link refresh}), so an operator's operations do not wait for PostgreSQL (an operator writes every few
 * seconds to minutes; each message would otherwise pay a query first: bench/NOTES.md §31), and a disable
 * whose Redis event was lost, or an account removed, still closes the operator's sockets within that time.
 */
@Injectable()
export class AccountStatusService implements OnModuleInit, OnModuleDestroy {
  /**
   * Operators who may no longer act: disabled anywhere in the deployment, as it happens, or found disabled
   * or removed by a read here. Their sockets close ({@link ConnectionRegistry}).
   */
  readonly disabled = new Subject<OperatorDisabled>();
  private readonly active = new Map<string, ActiveOperator>();
  private readonly logger = new Logger('AccountStatus');
  private subscriptionId?: number;
  private refresher?: NodeJS.Timeout;
  private refreshing = false;
  private refreshFailed = false;

  constructor(
    private readonly em: EntityManager,
    @Inject(PUB_SUB) private readonly pubSub: RedisPubSub,
    private readonly topics: Topics,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriptionId = await this.pubSub.subscribe<OperatorDisabled>(this.topics.operatorDisabled(), (event) => {
      this.active.delete(event.operatorId);
      this.disabled.next(event);
    });
    this.refresher = setInterval(() => void this.refresh(), STATUS_REFRESH_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.refresher);
    if (this.subscriptionId !== undefined) this.pubSub.unsubscribe(this.subscriptionId);
  }

  /**
   * 'active', 'disabled', or 'unknown' (the account no longer exists). Answered from memory while the
   * operator's last read is under 20 s old ({@link STATUS_TRUSTED_MS}), else read from PostgreSQL.
   * @throws the database driver's error when PostgreSQL cannot be read
   */
  async operatorStatus(operatorId: string): Promise<'active' | 'disabled' | 'unknown'> {
    const now = Date.now();
    const known = this.active.get(operatorId);
    if (known !== undefined && now - known.checkedAt < STATUS_TRUSTED_MS) {
      known.usedAt = now;
      return 'active';
    }
    const rows = await sql<{ disabled: boolean }>(this.em.fork(), 'SELECT disabled FROM operator WHERE id = ?', [operatorId]);
    if (!rows[0] || rows[0].disabled) {
      if (this.active.delete(operatorId)) this.disabled.next({ operatorId }); // was active here: close its sockets
      return rows[0] ? 'disabled' : 'unknown';
    }
    const entry = this.active.get(operatorId);
    this.active.set(operatorId, { checkedAt: now, usedAt: now, sockets: entry?.sockets ?? 0 });
    return 'active';
  }

  /**
   * An accepted socket of `operatorId` opened here ({@link ConnectionRegistry}): while it is open the
   * operator's status is refreshed, however long the operator sends nothing (a console left on the queue).
   */
  socketOpened(operatorId: string): void {
    const entry = this.active.get(operatorId);
    if (entry) entry.sockets++;
    else this.active.set(operatorId, { checkedAt: 0, usedAt: 0, sockets: 1 }); // not trusted until read
  }

  /** A socket of `operatorId` counted by {@link socketOpened} closed. */
  socketClosed(operatorId: string): void {
    const entry = this.active.get(operatorId);
    if (entry && entry.sockets > 0) entry.sockets--;
  }

  /**
   * Re-reads, in one query, the status of every operator with a socket here or an operation here in the
   * last 10 minutes (the others are forgotten: their next operation reads it). One found disabled or no
   * longer stored is forgotten and announced on {@link disabled} (its sockets here close). Runs every
   * {@link STATUS_REFRESH_MS}, one at a time; a failure is logged on one line (and once more on recovery),
   * and the statuses it could not renew stop being trusted {@link STATUS_TRUSTED_MS} after their last read.
   */
  async refresh(): Promise<void> {
    if (this.refreshing) return;
    const startedAt = Date.now();
    for (const [operatorId, known] of this.active) {
      if (known.sockets === 0 && startedAt - known.usedAt >= IDLE_MS) this.active.delete(operatorId);
    }
    if (this.active.size === 0) return;
    this.refreshing = true;
    try {
      const ids = [...this.active.keys()];
      const rows = await sql<{ id: string; disabled: boolean }>(this.em.fork(), 'SELECT id, disabled FROM operator WHERE id IN (?)', [ids]);
      const disabled = new Map(rows.map((row) => [row.id, row.disabled]));
      for (const operatorId of ids) {
        const known = this.active.get(operatorId);
        if (known === undefined) continue; // a disable event came meanwhile
        if (disabled.get(operatorId) === false) {
          known.checkedAt = startedAt;
          continue;
        }
        this.active.delete(operatorId);
        this.disabled.next({ operatorId });
      }
      if (this.refreshFailed) this.logger.log('Operator statuses read from PostgreSQL again');
      this.refreshFailed = false;
    } catch (error) {
      if (!this.refreshFailed) this.logger.warn(`Operator statuses not refreshed: PostgreSQL unreachable (${(error as Error).message})`);
      this.refreshFailed = true;
    } finally {
      this.refreshing = false;
    }
  }
}
