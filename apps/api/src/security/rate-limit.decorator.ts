import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';

/** Operations with a rate limit; the limits are `RATE_LIMIT_*` in the configuration. */
export type RateLimitedAction = 'createVisitor' | 'startSession' | 'sendMessage';

export const RATE_LIMITED_ACTION = 'parley:rateLimitedAction';

/**
 * Rate-limits the operation per visitor and per client IP (Redis counters shared by every instance),
 * checked by {@link RateLimitGuard} after authentication. Exceeding it answers `RATE_LIMITED` with
 * `extensions.retryAfterSeconds`.
 */
export const RateLimit = (action: RateLimitedAction) =>
  applyDecorators(SetMetadata(RATE_LIMITED_ACTION, action), UseGuards(RateLimitGuard));
