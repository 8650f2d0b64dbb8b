import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { hashPassword, verifyPassword } from '../auth/password';
import { TokenService } from '../auth/token.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { createOperatorAccount } from './operator-accounts';
import { OperatorAuthModel, OperatorModel, toOperatorModel } from './models/operator.model';
import { Operator } from './operator.entity';
import { OperatorError } from './operators.errors';

/** A dummy Argon2id hash, verified against when the e-mail is unknown so both paths take the same time. */
let dummyHash: Promise<string> | undefined;

/** Operator accounts and sign-in. */
@Injectable()
export class OperatorsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** See {@link createOperatorAccount}. */
  createOperator(input: { email: string; name: string; password: string }): Promise<Operator> {
    return createOperatorAccount(this.em.fork(), input);
  }

  /** How many operator accounts exist. */
  count(): Promise<number> {
    return this.em.fork().count(Operator);
  }

  /**
   * Checks e-mail and password and signs an access token that expires after `OPERATOR_TOKEN_TTL_SECONDS`.
   * @throws OperatorError `UNAUTHENTICATED` (wrong e-mail or password), `FORBIDDEN` (account disabled)
   */
  async login(email: string, password: string): Promise<OperatorAuthModel> {
    const operator = await this.em.fork().findOne(Operator, { email: email.trim().toLowerCase() });
    if (!operator) {
      dummyHash ??= hashPassword('parley-dummy-password');
      await verifyPassword(await dummyHash, password);
      throw OperatorError.invalidCredentials();
    }
    if (!(await verifyPassword(operator.passwordHash, password))) throw OperatorError.invalidCredentials();
    if (operator.disabled) throw OperatorError.disabled();
    return {
      accessToken: this.tokens.signOperator(operator.id),
      expiresAt: new Date(Date.now() + this.config.operatorTokenTtlSeconds * 1000),
      operator: toOperatorModel(operator),
    };
  }

  /** The operator behind a token. @throws OperatorError `UNAUTHENTICATED` when the account is gone. */
  async getOperator(operatorId: string): Promise<OperatorModel> {
    const operator = await this.em.fork().findOne(Operator, operatorId);
    if (!operator) throw OperatorError.invalidCredentials();
    return toOperatorModel(operator);
  }
}
