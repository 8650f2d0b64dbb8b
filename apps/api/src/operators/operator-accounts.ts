import { EntityManager } from '@mikro-orm/postgresql';
import { MAX_VISITOR_NAME_LENGTH } from '@parley/shared';
import { hashPassword, passwordWeakness } from '../auth/password';
import { isUniqueViolation } from '../database/sql';
import { Operator } from './operator.entity';
import { OperatorError } from './operators.errors';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Creates an operator (e-mail trimmed and lower-cased, password hashed with Argon2id). Shared by the
 * API and the `operator:create` CLI.
 * @throws OperatorError `BAD_USER_INPUT`: bad e-mail, empty name, weak password, or e-mail taken.
 */
export async function createOperatorAccount(
  em: EntityManager,
  input: { email: string; name: string; password: string },
): Promise<Operator> {
  const email = input.email.trim().toLowerCase();
  const name = input.name.trim();
  if (!EMAIL.test(email)) throw OperatorError.badInput('email must be an e-mail address', 'email');
  if (!name || name.length > MAX_VISITOR_NAME_LENGTH) throw OperatorError.badInput('name must be 1–120 characters', 'name');
  const weakness = passwordWeakness(input.password);
  if (weakness) throw OperatorError.badInput(`password ${weakness}`, 'password');
  const operator = new Operator({ email, name, passwordHash: await hashPassword(input.password) });
  try {
    await em.persistAndFlush(operator);
  } catch (error) {
    if (isUniqueViolation(error)) throw OperatorError.duplicateEmail(email);
    throw error;
  }
  return operator;
}

/**
 * Disables (or re-enables) the operator with `email`. A disabled operator cannot sign in, and every
 * request with a token issued before is refused (`FORBIDDEN`).
 * @throws OperatorError `BAD_USER_INPUT` when no operator has that e-mail.
 */
export async function setOperatorDisabled(em: EntityManager, email: string, disabled: boolean): Promise<Operator> {
  const operator = await em.findOne(Operator, { email: email.trim().toLowerCase() });
  if (!operator) throw OperatorError.badInput(`No operator with e-mail ${email}`, 'email');
  operator.disabled = disabled;
  await em.flush();
  return operator;
}
