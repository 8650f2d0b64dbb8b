import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { OperatorsService } from './operators.service';

/** E-mail of the operator `npm start` creates in an empty database. */
export const DEMO_OPERATOR_EMAIL = 'demo@parley.local';

/**
 * Creates a demo operator with a random password when no operator exists yet, so a new user can sign
 * in at once. @returns the credentials when one was created, else undefined.
 */
export async function seedDemoOperator(app: INestApplication): Promise<{ email: string; password: string } | undefined> {
  const operators = app.get(OperatorsService);
  if ((await operators.count()) > 0) return undefined;
  const password = randomBytes(12).toString('base64url');
  await operators.createOperator({ email: DEMO_OPERATOR_EMAIL, name: 'Demo Operator', password });
  return { email: DEMO_OPERATOR_EMAIL, password };
}
