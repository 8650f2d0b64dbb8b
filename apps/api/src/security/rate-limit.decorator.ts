import { SetMetadata } from '@nestjs/common';

/** Operations with a rate limit; the limits are `RATE_LIMIT_*` in the configuration. */
export type RateLimitedAction = 'createVisitor' | 'startSession' | 'sendMessage';

export const RATE_LIMITED_ACTION = 'parley:rateLimitedAction';

/**
 * Rate-limits the operation per visitor and per client IP (Redis counters shared by every instance).
 * Exceeding it answers `RATE_LIMITED` with `extensions.retryAfterSeconds`.
 */
export const RateLimit = (action: RateLimitedAction) => SetMetadata(RATE_LIMITED_ACTION, action);
