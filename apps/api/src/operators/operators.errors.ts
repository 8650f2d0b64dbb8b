import { ErrorCode } from '@parley/shared';
import { DomainError } from '../common/domain-error';

/** Errors of operator accounts and sign-in. */
export class OperatorError extends DomainError {
  /** Same message for an unknown e-mail and a wrong password, so accounts cannot be probed. */
  static invalidCredentials(): OperatorError {
    return new OperatorError(ErrorCode.UNAUTHENTICATED, 'Wrong e-mail or password');
  }
  static disabled(): OperatorError {
    return new OperatorError(ErrorCode.FORBIDDEN, 'This operator account is disabled');
  }
  static duplicateEmail(email: string): OperatorError {
    return new OperatorError(ErrorCode.BAD_USER_INPUT, `An operator with e-mail ${email} already exists`, { field: 'email' });
  }
  static badInput(message: string, field: string): OperatorError {
    return new OperatorError(ErrorCode.BAD_USER_INPUT, message, { field });
  }
}
