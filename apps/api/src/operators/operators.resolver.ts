import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, CurrentPrincipal, Public } from '../auth/auth.decorators';
import type { OperatorPrincipal, RequestContext } from '../auth/principal';
import { Presence } from '../common/enums';
import { PresenceService } from '../presence/presence.service';
import { OperatorAuthModel, OperatorModel, toOperatorModel } from './models/operator.model';
import { OperatorsService } from './operators.service';

@Resolver(() => OperatorModel)
export class OperatorsResolver {
  constructor(
    private readonly operators: OperatorsService,
    private readonly presence: PresenceService,
  ) {}

  @Mutation(() => OperatorAuthModel, {
    description: 'Sign in an operator. Errors: UNAUTHENTICATED (wrong e-mail or password), FORBIDDEN (disabled).',
  })
  @Public()
  loginOperator(@Args('email') email: string, @Args('password') password: string): Promise<OperatorAuthModel> {
    return this.operators.login(email, password);
  }

  @Query(() => OperatorModel, { description: 'Operator: the signed-in operator.' })
  @Allow('operator')
  me(@CurrentPrincipal() principal: OperatorPrincipal): Promise<OperatorModel> {
    return this.operators.getOperator(principal.operatorId);
  }

  @Mutation(() => OperatorModel, {
    description:
      'Operator: set your presence. ONLINE operators count for the wait estimate while their heartbeat is ' +
      'fresh (PRESENCE_TTL_SECONDS); the choice itself is kept across reloads.',
  })
  @Allow('operator')
  async setPresence(
    @CurrentPrincipal() principal: OperatorPrincipal,
    @Args('presence', { type: () => Presence }) presence: Presence,
  ): Promise<OperatorModel> {
    return toOperatorModel(await this.presence.setPresence(principal.operatorId, presence));
  }

  @ResolveField(() => String, { nullable: true, description: 'Only operators see it; null for visitors.' })
  email(@Parent() operator: OperatorModel, @Context() context: RequestContext): string | null {
    return context.principal?.kind === 'operator' ? (operator.email ?? null) : null;
  }
}
