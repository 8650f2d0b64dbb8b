import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
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
 * While Redis is unreachable each instance counts in its own memory instead (rate-limiter-flexible's
 * `insuranceLimiter`, used at once when the connection is not ready): the limits still hold per instance,
 * and visitors and operators keep chatting through a Redis restart (PostgreSQL stores their messages).
 */
@Injectable()
export class RateLimitService {
  private readonly perPrincipal: Record<RateLimitedAction, RateLimiterRedis>;
  private readonly perIp: Record<RateLimitedAction, RateLimiterRedis>;

  constructor(@Inject(REDIS_DIRECT) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    const limits: Record<RateLimitedAction, number> = {
      createVisitor: config.rateLimits.visitorsPerMinute,
      startSession: config.rateLimits.sessionsPerMinute,
      sendMessage: config.rateLimits.messagesPerMinute,
    };
    const limiter = (action: RateLimitedAction, scope: string, points: number) => {
      const keyPrefix = `${config.redisPrefix}:rl:${action}:${scope}`;
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration: 60,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: 60 }),
      });
    };
    const build = (scope: string, factor: number) =>
      Object.fromEntries(
        (Object.keys(limits) as RateLimitedAction[]).map((action) => [action, limiter(action, scope, limits[action] * factor)]),
      ) as Record<RateLimitedAction, RateLimiterRedis>;
    this.perPrincipal = build('principal', 1);
    this.perIp = build('ip', IP_RATE_FACTOR);
  }

  /**
   * Counts one `action` for the caller. @throws SecurityError `RATE_LIMITED` (with `retryAfterSeconds`)
   * when a limit is exceeded.
   */
  async consume(action: RateLimitedAction, context: RequestContext): Promise<void> {
    const principal = context.principal;
    const checks: Array<Promise<RateLimiterRes>> = [];
    if (principal) {
      const id = principal.kind === 'visitor' ? `v:${principal.visitorId}` : `o:${principal.operatorId}`;
      checks.push(this.perPrincipal[action].consume(id));
    }
    if (principal?.kind !== 'operator' && context.ip) checks.push(this.perIp[action].consume(context.ip));
    const results = await Promise.allSettled(checks);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!refused) return;
    if (refused.reason instanceof RateLimiterRes) {
      throw SecurityError.rateLimited(WHAT[action], Math.max(1, Math.ceil(refused.reason.msBeforeNext / 1000)));
    }
    throw refused.reason; // Redis unreachable: a real fault, not a limit
  }
}
