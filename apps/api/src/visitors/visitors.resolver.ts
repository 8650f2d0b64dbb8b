import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Allow, CurrentPrincipal, Public } from '../auth/auth.decorators';
import type { VisitorPrincipal } from '../auth/principal';
import { CreateVisitorInput } from './dto/create-visitor.input';
import { VisitorAuthModel, VisitorModel } from './models/visitor.model';
import { VisitorsService } from './visitors.service';
import { RateLimit } from '../security/rate-limit.decorator';

@Resolver(() => VisitorModel)
export class VisitorsResolver {
  constructor(private readonly visitors: VisitorsService) {}

  @Mutation(() => VisitorAuthModel, {
    description: 'Create a visitor and get its signed guest token. Open to anyone. Errors: BAD_USER_INPUT.',
  })
  @Public()
  @RateLimit('createVisitor')
  createVisitor(
    @Args('input', { type: () => CreateVisitorInput, nullable: true }) input?: CreateVisitorInput,
  ): Promise<VisitorAuthModel> {
    return this.visitors.createVisitor(input ?? {});
  }

  @Mutation(() => VisitorAuthModel, {
    description:
      'Visitor: a fresh guest token for the same visitor, valid VISITOR_TOKEN_TTL_SECONDS from now (the widget renews ' +
      'once half of its token’s lifetime has passed). Counted with createVisitor’s rate limit. ' +
      'Errors: UNAUTHENTICATED (token expired or invalid, or the visitor no longer stored), RATE_LIMITED.',
  })
  @Allow('visitor')
  @RateLimit('createVisitor')
  renewVisitorToken(@CurrentPrincipal() principal: VisitorPrincipal): Promise<VisitorAuthModel> {
    return this.visitors.renewToken(principal.visitorId);
  }

  @Query(() => VisitorModel, {
    description: "Visitor: who the guest token belongs to. Errors: UNAUTHENTICATED when that visitor is no longer stored (create a new one).",
  })
  @Allow('visitor')
  visitorMe(@CurrentPrincipal() principal: VisitorPrincipal): Promise<VisitorModel> {
    return this.visitors.getVisitor(principal.visitorId);
  }
}
