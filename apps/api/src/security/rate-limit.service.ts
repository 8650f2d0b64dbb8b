import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { LeasedLimiter, LimitReached } from './leased-limiter';
import { RequestContext } from '../auth/principal';
import { AppConfig, IP_RATE_FACTOR } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { REDIS_DIRECT } from '../realtime/redis.providers';
import { RateLimitedAction } from './rate-limit.decorator';
import { SecurityError } from './security.errors';

const WHAT: Record<RateLimitedAction, string> = {
  createVisitor: 'new visitors',
  startSession: 'chat sessions started',
  sendMessage: 'messages',
};

/**
 * Fixed-window counters in Redis (rate-limiter-flexible), one per action and key kind: per principal
 * (visitor or operator id) and per client IP. Operators are limited per operator only (a support team
 * shares an office IP). Every API instance shares the counters.
 *
 * Each instance takes points from a counter a few at a time ({@link LeasedLimiter}): most messages
 * then find a point here and do not wait for Redis, and the instances together still never admit more
 * than a limit.
 *
 * While Redis is unreachable each instance counts in its own memory instead (rate-limiter-flexible's
 * `insuranceLimiter`, used at once when the connection is not ready): the limits still hold per instance,
 * and visitors and operators keep chatting through a Redis restart (PostgreSQL stores their messages).
 */
@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly perPrincipal: Record<RateLimitedAction, LeasedLimiter>;
  private readonly perIp: Record<RateLimitedAction, LeasedLimiter>;

  constructor(@Inject(REDIS_DIRECT) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    const limits: Record<RateLimitedAction, number> = {
      createVisitor: config.rateLimits.visitorsPerMinute,
      startSession: config.rateLimits.sessionsPerMinute,
      sendMessage: config.rateLimits.messagesPerMinute,
    };
    const limiter = (action: RateLimitedAction, scope: string, points: number) => {
      const keyPrefix = `${config.redisPrefix}:rl:${action}:${scope}`;
      return new LeasedLimiter(
        new RateLimiterRedis({
          storeClient: redis,
          keyPrefix,
          points,
          duration: 60,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: 60 }),
        }),
      );
    };
    const build = (scope: string, factor: number) =>
      Object.fromEntries(
        (Object.keys(limits) as RateLimitedAction[]).map((action) => [action, limiter(action, scope, limits[action] * factor)]),
      ) as Record<RateLimitedAction, LeasedLimiter>;
    this.perPrincipal = build('principal', 1);
    this.perIp = build('ip', IP_RATE_FACTOR);
  }

  /**
   * Counts one `action` for the caller: `null` when both of this instance's leases had a point (admitted
   * at once, the common case of a message), else a promise that settles once Redis has answered.
   * @throws (the promise rejects) SecurityError `RATE_LIMITED` (with `retryAfterSeconds`) when a limit is
   *   exceeded; the Redis client's error when Redis fails with no insurance limiter.
   */
  consume(action: RateLimitedAction, context: RequestContext): Promise<void> | null {
    const principal = context.principal;
    const waits: Array<Promise<void>> = [];
    if (principal) {
      const id = principal.kind === 'visitor' ? `v:${principal.visitorId}` : `o:${principal.operatorId}`;
      const wait = this.perPrincipal[action].take(id);
      if (wait) waits.push(wait);
    }
    if (principal?.kind !== 'operator' && context.ip) {
      const wait = this.perIp[action].take(context.ip);
      if (wait) waits.push(wait);
    }
    return waits.length ? this.settle(action, waits) : null;
  }

  private async settle(action: RateLimitedAction, waits: Array<Promise<void>>): Promise<void> {
    const results = await Promise.allSettled(waits);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!refused) return;
    if (refused.reason instanceof LimitReached) {
      throw SecurityError.rateLimited(WHAT[action], Math.max(1, Math.ceil(refused.reason.msBeforeNext / 1000)));
    }
    throw refused.reason; // Redis unreachable: a real fault, not a limit
  }

  onModuleDestroy(): void {
    for (const limiter of [...Object.values(this.perPrincipal), ...Object.values(this.perIp)]) limiter.close();
  }
}
