import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Subject } from 'rxjs';
import { sql } from '../database/sql';
import { PUB_SUB } from '../realtime/redis.providers';
import { Topics } from '../realtime/topics';

/** How long an operator's "active" status is trusted from memory, in ms; a disable is pushed at once anyway. */
const ACTIVE_CACHE_MS = 10_000;

/** Payload of the `<prefix>:operator-disabled` channel. */
export interface OperatorDisabled {
  operatorId: string;
}

/**
 * Whether an operator account may act. Disabling an account (`npm run operator:disable`) is published on
 * Redis so that every instance forgets its cached status and closes the operator's open sockets at once
 * ({@link disabled}); in between, the status is re-read from PostgreSQL at most every 10 s.
 */
@Injectable()
export class AccountStatusService implements OnModuleInit, OnModuleDestroy {
  /** Operators disabled anywhere in the deployment, as they happen. */
  readonly disabled = new Subject<OperatorDisabled>();
  private readonly active = new Map<string, number>();
  private subscriptionId?: number;

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
  }

  onModuleDestroy(): void {
    if (this.subscriptionId !== undefined) this.pubSub.unsubscribe(this.subscriptionId);
  }

  /** 'active', 'disabled', or 'unknown' (the account no longer exists). */
  async operatorStatus(operatorId: string): Promise<'active' | 'disabled' | 'unknown'> {
    const checkedAt = this.active.get(operatorId);
    if (checkedAt !== undefined && Date.now() - checkedAt < ACTIVE_CACHE_MS) return 'active';
    const rows = await sql<{ disabled: boolean }>(this.em.fork(), 'SELECT disabled FROM operator WHERE id = ?', [operatorId]);
    if (!rows[0]) return 'unknown';
    if (rows[0].disabled) {
      this.active.delete(operatorId);
      return 'disabled';
    }
    this.active.set(operatorId, Date.now());
    return 'active';
  }
}
