import { ErrorCode } from '@parley/shared';

/**
 * Base of every feature's error class. Services throw these (never HTTP exceptions);
 * `formatGraphQLError` maps them, in one place, to a GraphQL error whose `extensions.code` is {@link code}.
 */
export abstract class DomainError extends Error {
  protected constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, safe-to-show fields merged into `extensions` (e.g. `retryAfterSeconds`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Errors not owned by one feature: authentication, authorization and plain input validation. */
export class RequestError extends DomainError {
  static unauthenticated(message = 'Authentication required'): RequestError {
    return new RequestError(ErrorCode.UNAUTHENTICATED, message);
  }
  /**
   * A well-signed guest token whose visitor is not stored (any more, e.g. the database was re-created
   * while widgets kept their tokens): the widget must create a new visitor.
   */
  static visitorGone(): RequestError {
    return new RequestError(ErrorCode.UNAUTHENTICATED, 'This visitor no longer exists; create a new one');
  }
  static forbidden(message = 'Not allowed'): RequestError {
    return new RequestError(ErrorCode.FORBIDDEN, message);
  }
  static badInput(message: string, field?: string): RequestError {
    return new RequestError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
  }
}
