import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { RequestContext } from '../auth/principal';
import { RATE_LIMITED_ACTION, RateLimitedAction } from './rate-limit.decorator';
import { RateLimitService } from './rate-limit.service';

/**
 * Applies `@RateLimit(...)`: a method-level guard, so it runs after the global `AuthGuard` (an
 * unauthenticated or forbidden call spends no points) and before the resolver. A guard rather than an
 * interceptor: only the rate-limited resolvers pay for it, and without an rxjs pipeline per call
 * (bench/NOTES.md).
 * @throws SecurityError `RATE_LIMITED` with `extensions.retryAfterSeconds`
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const action = this.reflector.get<RateLimitedAction | undefined>(RATE_LIMITED_ACTION, context.getHandler());
    if (!action || context.getType<string>() !== 'graphql') return true;
    const waiting = this.limits.consume(action, GqlExecutionContext.create(context).getContext<RequestContext>());
    return waiting ? waiting.then(() => true) : true;
  }
}
