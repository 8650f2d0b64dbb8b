import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Subject } from 'rxjs';
import { Presence } from '../common/enums';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Operator } from '../operators/operator.entity';
import { REDIS } from '../realtime/redis.providers';

/** Emitted on this instance when an operator's chosen presence changes. */
export interface PresenceChange {
  operatorId: string;
  presence: Presence;
}

/**
 * Operator presence. The chosen presence is kept on the operator row (it survives reloads);
 * liveness is a Redis sorted set shared by every instance, `<prefix>:presence:online`, member = operator id,
 * score = expiry in Unix ms. An ONLINE operator stays counted for `PRESENCE_TTL_SECONDS` after the last
 * heartbeat, so a closed laptop drops out by itself.
 */
@Injectable()
export class PresenceService {
  /** Presence changes made through this instance (the queue re-estimates on them). */
  readonly changes = new Subject<PresenceChange>();
  private readonly key: string;

  constructor(
    private readonly em: EntityManager,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.key = `${config.redisPrefix}:presence:online`;
  }

  /** Stores the operator's choice and updates liveness. Returns the operator row. */
  async setPresence(operatorId: string, presence: Presence): Promise<Operator> {
    const operator = await this.em.fork().findOneOrFail(Operator, operatorId);
    await this.em.fork().nativeUpdate(Operator, { id: operatorId }, { presence });
    operator.presence = presence;
    await this.refresh(operatorId, presence);
    this.changes.next({ operatorId, presence });
    return operator;
  }

  /** Extends an ONLINE operator's liveness by `PRESENCE_TTL_SECONDS` (their console is connected). */
  async heartbeat(operatorId: string): Promise<void> {
    const operator = await this.em.fork().findOne(Operator, operatorId, { fields: ['presence'] });
    if (operator) await this.refresh(operatorId, operator.presence);
  }

  /** How many operators are ONLINE with a live heartbeat, across all instances. */
  async onlineCount(): Promise<number> {
    const now = Date.now();
    await this.redis.zremrangebyscore(this.key, '-inf', now);
    return this.redis.zcard(this.key);
  }

  private async refresh(operatorId: string, presence: Presence): Promise<void> {
    if (presence === Presence.ONLINE) {
      await this.redis.zadd(this.key, Date.now() + this.config.presenceTtlSeconds * 1000, operatorId);
    } else {
      await this.redis.zrem(this.key, operatorId);
    }
  }
}
