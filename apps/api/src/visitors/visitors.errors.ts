import { ErrorCode } from '@parley/shared';
import { DomainError } from '../common/domain-error';

/** Errors of visitors and their identities. */
export class VisitorError extends DomainError {
  static identityNotConfigured(): VisitorError {
    return new VisitorError(ErrorCode.BAD_USER_INPUT, 'Identity verification is not configured on this server (IDENTITY_SECRET)', {
      field: 'identity',
    });
  }
  static identityRefused(reason: string): VisitorError {
    return new VisitorError(ErrorCode.UNAUTHENTICATED, `Visitor identity could not be verified: ${reason}`);
  }
}
