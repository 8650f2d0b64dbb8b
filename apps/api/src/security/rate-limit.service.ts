import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { InsuredLimiters } from './insured-limiters';
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
 * through a Redis restart or hang (PostgreSQL stores their messages). The log says so in one warning line
 * when this begins and in one line when Redis counts again ({@link InsuredLimiters}).
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
    const insured = new InsuredLimiters(new Logger(RateLimitService.name));
    const limiter = (action: RateLimitedAction, scope: string, points: number) =>
      new LeasedLimiter(
        insured.create({ storeClient: redis, keyPrefix: `${config.redisPrefix}:rl:${action}:${scope}`, points, duration: 60, rejectIfRedisNotReady: true }),
      );
    const build = (scope: string, factor: number) =>
      Object.fromEntries(
        (Object.keys(limits) as RateLimitedAction[]).map((action) => [action, limiter(action, scope, limits[action] * factor)]),
      ) as Record<RateLimitedAction, LeasedLimiter>;
    this.perPrincipal = build('principal', 1);
    this.perIp = build('ip', IP_RATE_FACTOR);
  }

  /**
   * Counts each of `actions` for the caller, in order: `null` when this instance's leases had the points
   * (admitted at once, the common case of a message), else a promise that settles once Redis has answered.
   * For each action the IP's point is taken only once the caller's own limit has admitted it, so a visitor
   * over its own limit does not spend the budget of everyone behind the same IP (an office, a mobile
   * carrier's NAT). When a limit refuses, every point already taken for this call is given back
   * ({@link LeasedLimiter.giveBack}): waiting out an IP's refusal does not use up the caller's own limit,
   * nor does a chat started with a first message that its IP's message limit refuses use up a start.
   * Limits: `config.rateLimits` per minute, per IP × {@link IP_RATE_FACTOR}.
   * @throws (the promise rejects) SecurityError `RATE_LIMITED` (with `retryAfterSeconds`, naming the action
   *   refused) when a limit is exceeded; the Redis client's error when Redis fails with no insurance limiter.
   */
  consume(actions: RateLimitedAction | RateLimitedAction[], context: RequestContext): Promise<void> | null {
    const principal = context.principal;
    const ip = principal?.kind !== 'operator' ? context.ip : undefined;
    const own = principal && (principal.kind === 'visitor' ? `v:${principal.visitorId}` : `o:${principal.operatorId}`);
    const steps = (Array.isArray(actions) ? actions : [actions]).flatMap((action) => [
      ...(own ? [{ action, limiter: this.perPrincipal[action], key: own }] : []),
      ...(ip ? [{ action, limiter: this.perIp[action], key: ip }] : []),
    ]);
    const taken: Array<{ limiter: LeasedLimiter; key: string; window: number }> = [];
    const from = (next: number): Promise<void> | null => {
      for (let i = next; i < steps.length; i++) {
        const { action, limiter, key } = steps[i];
        const window = limiter.take(key);
        if (typeof window === 'number') {
          taken.push({ limiter, key, window });
          continue;
        }
        return window.then(
          (counted) => {
            taken.push({ limiter, key, window: counted });
            return from(i + 1) ?? undefined;
          },
          (error: unknown) => {
            for (const point of taken) point.limiter.giveBack(point.key, point.window);
            if (!(error instanceof LimitReached)) throw error; // Redis unreachable: a real fault, not a limit
            throw SecurityError.rateLimited(WHAT[action], Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
          },
        );
      }
      return null;
    };
    return from(0);
  }

  onModuleDestroy(): void {
    for (const limiter of [...Object.values(this.perPrincipal), ...Object.values(this.perIp)]) limiter.close();
  }
}
