import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { from, Observable, switchMap } from 'rxjs';
import { RequestContext } from '../auth/principal';
import { RATE_LIMITED_ACTION, RateLimitedAction } from './rate-limit.decorator';
import { RateLimitService } from './rate-limit.service';

/** Applies `@RateLimit(...)` after authentication (interceptors run after guards), before the resolver. */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<RateLimitedAction | undefined>(RATE_LIMITED_ACTION, context.getHandler());
    if (!action || context.getType<string>() !== 'graphql') return next.handle();
    const ctx = GqlExecutionContext.create(context).getContext<RequestContext>();
    return from(this.limits.consume(action, ctx)).pipe(switchMap(() => next.handle()));
  }
}
