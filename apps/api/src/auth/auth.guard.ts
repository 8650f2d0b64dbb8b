import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { RequestError } from '../common/domain-error';
import { AccountStatusService } from './account-status.service';
import { ALLOWED_KINDS } from './auth.decorators';
import { PrincipalKind, RequestContext } from './principal';

/**
 * The global guard: every resolver, query, mutation and subscription alike, must be marked
 * `@Public()` or `@Allow(...)`; an unmarked one is refused (deny by default).
 * Raises `UNAUTHENTICATED` (no, malformed or expired token; operator account gone) or `FORBIDDEN` (wrong
 * kind of principal; operator account disabled).
 * HTTP controllers (health checks) are not GraphQL and are left alone.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountStatusService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const allowed = this.reflector.getAllAndOverride<'public' | PrincipalKind[] | undefined>(ALLOWED_KINDS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const ctx = GqlExecutionContext.create(context).getContext<RequestContext>();
    if (ctx.authError) throw RequestError.unauthenticated(ctx.authError);
    if (allowed === 'public') return true;
    if (!allowed) throw RequestError.forbidden('Operation is not open to any caller');
    const principal = ctx.principal;
    if (!principal) throw RequestError.unauthenticated();
    if (principal.expiresAt * 1000 <= Date.now()) throw RequestError.unauthenticated('Token expired');
    if (!allowed.includes(principal.kind)) {
      throw RequestError.forbidden(`Not available to ${principal.kind === 'visitor' ? 'visitors' : 'operators'}`);
    }
    if (principal.kind === 'operator') {
      const status = await this.accounts.operatorStatus(principal.operatorId);
      if (status === 'unknown') throw RequestError.unauthenticated('Operator account no longer exists');
      if (status === 'disabled') throw RequestError.forbidden('This operator account is disabled');
    }
    return true;
  }
}
