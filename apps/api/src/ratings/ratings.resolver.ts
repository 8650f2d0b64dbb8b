import { Args, ID, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import type { VisitorPrincipal } from '../auth/principal';
import { ChatSessionModel } from '../sessions/models/chat-session.model';
import { RatingModel } from './models/rating.model';
import { RatingsService } from './ratings.service';

@Resolver(() => ChatSessionModel)
export class RatingsResolver {
  constructor(private readonly ratings: RatingsService) {}

  @Mutation(() => RatingModel, {
    description:
      'Visitor: rate your closed chat session once, score 1–5 and an optional comment (≤ 2,000 code points). ' +
      'Errors: BAD_USER_INPUT (bad score, not closed yet, already rated), NOT_FOUND, FORBIDDEN.',
  })
  @Allow('visitor')
  rateSession(
    @CurrentPrincipal() principal: VisitorPrincipal,
    @Args('sessionId', { type: () => ID }) sessionId: string,
    @Args('score', { type: () => Int }) score: number,
    @Args('comment', { type: () => String, nullable: true }) comment?: string,
  ): Promise<RatingModel> {
    return this.ratings.rateSession(principal, sessionId, score, comment);
  }

  @ResolveField(() => RatingModel, { nullable: true, description: "The visitor's rating, once given." })
  rating(@Parent() session: ChatSessionModel): Promise<RatingModel | null> {
    return this.ratings.ratingOf(session.id);
  }
}
