import { ErrorCode } from '@parley/shared';
import { DomainError } from '../common/domain-error';

/** Errors of chat sessions, the waiting queue and messages in them. */
export class SessionError extends DomainError {
  static notFound(sessionId: string): SessionError {
    return new SessionError(ErrorCode.NOT_FOUND, `Chat session ${sessionId} not found`);
  }
  static forbidden(message = 'This chat session belongs to someone else'): SessionError {
    return new SessionError(ErrorCode.FORBIDDEN, message);
  }
  static alreadyTaken(sessionId: string): SessionError {
    return new SessionError(ErrorCode.SESSION_ALREADY_TAKEN, `Chat session ${sessionId} was already accepted by another operator`);
  }
  static closed(sessionId: string): SessionError {
    return new SessionError(ErrorCode.SESSION_CLOSED, `Chat session ${sessionId} is closed`);
  }
  static badInput(message: string, field: string): SessionError {
    return new SessionError(ErrorCode.BAD_USER_INPUT, message, { field });
  }
}
