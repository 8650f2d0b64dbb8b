import { ErrorCode } from '@parley/shared';
import { DomainError } from '../common/domain-error';

/** Errors of abuse protection: rate limits and resource caps. */
export class SecurityError extends DomainError {
  /** `extensions.retryAfterSeconds`: whole seconds until the request may succeed. */
  static rateLimited(what: string, retryAfterSeconds: number): SecurityError {
    return new SecurityError(ErrorCode.RATE_LIMITED, `Too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
