import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { LeasedLimiter, LimitReached } from './leased-limiter';
import { RequestContext } from '../auth/principal';
import { AppConfig, IP_RATE_FACTOR } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { REDIS_RATE_LIMITS } from '../realtime/redis.providers';
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
 * `insuranceLimiter`, used at once when the connection is not ready, and for a command Redis has not
 * answered within `REDIS_COMMAND_TIMEOUT_MS` on {@link REDIS_RATE_LIMITS}: a Redis that hangs): a limit then
 * holds per instance (plus the points a lease still held), and visitors and operators keep chatting
 * through a Redis restart or hang (PostgreSQL stores their messages).
 */
@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly perPrincipal: Record<RateLimitedAction, LeasedLimiter>;
  private readonly perIp: Record<RateLimitedAction, LeasedLimiter>;

  constructor(@Inject(REDIS_RATE_LIMITS) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
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
   * Counts one `action` for the caller: `null` when this instance's leases had the points (admitted at
   * once, the common case of a message), else a promise that settles once Redis has answered. The IP's
   * point is taken only once the caller's own limit has admitted the action, so a visitor over its own
   * limit does not spend the budget of everyone behind the same IP (an office, a mobile carrier's NAT);
   * when the IP's take fails (its limit refuses the action), the caller's point is given back
   * ({@link LeasedLimiter.giveBack}), so waiting out that refusal does not use up the caller's own limit.
   * Limits: `config.rateLimits` per minute, per IP × {@link IP_RATE_FACTOR}.
   * @throws (the promise rejects) SecurityError `RATE_LIMITED` (with `retryAfterSeconds`) when a limit is
   *   exceeded; the Redis client's error when Redis fails with no insurance limiter.
   */
  consume(action: RateLimitedAction, context: RequestContext): Promise<void> | null {
    const principal = context.principal;
    const ip = principal?.kind !== 'operator' ? context.ip : undefined;
    if (!principal) return ip ? this.settled(action, this.perIp[action].take(ip)) : null;
    const own = this.perPrincipal[action];
    const key = principal.kind === 'visitor' ? `v:${principal.visitorId}` : `o:${principal.operatorId}`;
    const taken = own.take(key);
    if (!ip) return this.settled(action, taken);
    const perIp = (window: number) => {
      const shared = this.perIp[action].take(ip);
      return typeof shared === 'number'
        ? shared
        : shared.catch((error: unknown) => {
            own.giveBack(key, window);
            throw error;
          });
    };
    return this.settled(action, typeof taken === 'number' ? perIp(taken) : taken.then(perIp));
  }

  /** `null` when `taken` admitted at once, else a promise settling as it does, a reached limit answered as `RATE_LIMITED`. */
  private settled(action: RateLimitedAction, taken: number | Promise<number>): Promise<void> | null {
    return typeof taken === 'number' ? null : this.refusal(action, taken);
  }

  /** Settles as `waiting` does, a reached limit answered as `RATE_LIMITED`. */
  private async refusal(action: RateLimitedAction, waiting: Promise<unknown>): Promise<void> {
    try {
      await waiting;
    } catch (error) {
      if (!(error instanceof LimitReached)) throw error; // Redis unreachable: a real fault, not a limit
      throw SecurityError.rateLimited(WHAT[action], Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    }
  }

  onModuleDestroy(): void {
    for (const limiter of [...Object.values(this.perPrincipal), ...Object.values(this.perIp)]) limiter.close();
  }
}
