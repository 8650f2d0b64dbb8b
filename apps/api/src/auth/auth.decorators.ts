import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { PrincipalKind, RequestContext } from './principal';

export const ALLOWED_KINDS = 'parley:allowedKinds';

/** Open to callers without a token (`createVisitor`, `loginOperator`). A malformed token is still refused. */
export const Public = () => SetMetadata(ALLOWED_KINDS, 'public');

/** Only these principal kinds may call the operation; others get `FORBIDDEN`, no token `UNAUTHENTICATED`. */
export const Allow = (...kinds: PrincipalKind[]) => SetMetadata(ALLOWED_KINDS, kinds);

/** Injects the caller's {@link Principal} (guaranteed present behind {@link Allow}). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  return GqlExecutionContext.create(context).getContext<RequestContext>().principal;
});
