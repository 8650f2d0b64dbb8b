import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { OperatorsService } from './operators.service';

/** E-mail of the operator `npm start` creates in an empty database. */
export const DEMO_OPERATOR_EMAIL = 'demo@parley.local';

/**
 * Creates a demo operator with a random password when no operator exists yet, so a new user can sign
 * in at once. Processes starting together on a fresh database may all find none: one creates it, the
 * others' insert fails on the e-mail, and finding an operator then means another process seeded it.
 * @returns the credentials when this call created the operator, else undefined.
 */
export async function seedDemoOperator(app: INestApplication): Promise<{ email: string; password: string } | undefined> {
  const operators = app.get(OperatorsService);
  if ((await operators.count()) > 0) return undefined;
  const password = randomBytes(12).toString('base64url');
  try {
    await operators.createOperator({ email: DEMO_OPERATOR_EMAIL, name: 'Demo Operator', password });
  } catch (error) {
    if ((await operators.count()) > 0) return undefined;
    throw error;
  }
  return { email: DEMO_OPERATOR_EMAIL, password };
}
