import { Args, Context, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import type { OperatorPrincipal, Principal, RequestContext, VisitorPrincipal } from '../auth/principal';
import { ChatSessionStatus } from '../common/enums';
import type { ArrivalTurn } from '../messages/arrival-order';
import { StartSessionInput } from './dto/session.inputs';
import { ChatSessionModel, ChatSessionPageModel } from './models/chat-session.model';
import { QueueService } from './queue.service';
import { SessionsService } from './sessions.service';
import { RateLimitService } from '../security/rate-limit.service';

@Resolver(() => ChatSessionModel)
export class SessionsResolver {
  constructor(
    private readonly sessionsService: SessionsService,
    private readonly queue: QueueService,
    private readonly limits: RateLimitService,
  ) {}

  @Mutation(() => ChatSessionModel, {
    description:
      'Visitor: returns your open chat session, or creates one WAITING in the queue. Idempotent. ' +
      '`content` is a message into it, counted against the message rate limit as sendMessage is. ' +
      'Errors: BAD_USER_INPUT (content empty or over 4,000 code points); RATE_LIMITED (sessions or messages); ' +
      "UNAUTHENTICATED when the guest token's visitor is no longer stored (create a new visitor).",
  })
  @Allow('visitor')
  async startSession(
    @CurrentPrincipal() principal: VisitorPrincipal,
    @Context() context: RequestContext,
    @Args('input', { type: () => StartSessionInput, nullable: true }) input?: StartSessionInput,
  ): Promise<ChatSessionModel> {
    // Counted together, so a first message refused gives the start back (not the RateLimit guard).
    await this.limits.consume(input?.content != null ? ['startSession', 'sendMessage'] : 'startSession', context);
    return this.sessionsService.startSession(principal.visitorId, input ?? {}, context.arrival);
  }

  @Query(() => ChatSessionModel, {
    description: 'A chat session: visitors only their own, operators any. Errors: NOT_FOUND, FORBIDDEN.',
  })
  @Allow('visitor', 'operator')
  session(@CurrentPrincipal() principal: Principal, @Args('id', { type: () => ID }) id: string): Promise<ChatSessionModel> {
    return this.sessionsService.getSession(principal, id);
  }

  @Query(() => [ChatSessionModel], { description: 'Operator: the waiting queue, FIFO by queuedAt.' })
  @Allow('operator')
  async waitingSessions(): Promise<ChatSessionModel[]> {
    return (await this.queue.snapshot()).sessions;
  }

  @Query(() => ChatSessionPageModel, {
    description:
      'Operator: chat sessions, newest queued first. `mine` limits to sessions assigned to you; `search` matches ' +
      'the visitor name or e-mail or any message text (case-insensitive substring). ' +
      '`first` 1–200 (default 50); `after` is a previous page’s endCursor. Errors: BAD_USER_INPUT.',
  })
  @Allow('operator')
  sessions(
    @CurrentPrincipal() principal: OperatorPrincipal,
    @Args('status', { type: () => ChatSessionStatus, nullable: true }) status?: ChatSessionStatus,
    @Args('mine', { type: () => Boolean, nullable: true }) mine?: boolean,
    @Args('search', { type: () => String, nullable: true }) search?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<ChatSessionPageModel> {
    return this.sessionsService.listSessions({ status, operatorId: mine ? principal.operatorId : undefined, search, first, after });
  }

  @Query(() => ChatSessionPageModel, {
    description:
      'Visitor: your own chat sessions, newest first (past chats). ' +
      "Errors: UNAUTHENTICATED when the guest token's visitor is no longer stored (create a new visitor).",
  })
  @Allow('visitor')
  mySessions(
    @CurrentPrincipal() principal: VisitorPrincipal,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<ChatSessionPageModel> {
    return this.sessionsService.listVisitorSessions(principal.visitorId, { first, after });
  }

  /**
   * Takes a WAITING chat session for the calling operator (`SessionsService.acceptSession`). Idempotent for the
   * holder: the operator who already holds the chat gets it back as a success (a retry after a lost answer is
   * safe), with no second `OperatorJoined`, SYSTEM line or queue broadcast.
   * @throws `NOT_FOUND`; `SESSION_ALREADY_TAKEN` when another operator holds it; `SESSION_CLOSED`
   */
  @Mutation(() => ChatSessionModel, {
    description:
      'Operator: take a WAITING chat session. Exactly one of racing operators wins; the others get ' +
      'SESSION_ALREADY_TAKEN. Idempotent for the holder: repeated by the operator who already holds the chat ' +
      '(a retry after a lost answer), it returns the session as a success and announces nothing again. ' +
      'Errors: NOT_FOUND, SESSION_ALREADY_TAKEN (another operator holds it), SESSION_CLOSED.',
  })
  @Allow('operator')
  acceptSession(
    @CurrentPrincipal() principal: OperatorPrincipal,
    @Args('sessionId', { type: () => ID }) sessionId: string,
    @Context('arrival') arrival: ArrivalTurn | undefined,
  ): Promise<ChatSessionModel> {
    return this.sessionsService.acceptSession(principal.operatorId, sessionId, arrival);
  }

  @Mutation(() => ChatSessionModel, {
    description:
      'Close a chat session. Operator: the assigned one (or anyone for a WAITING session), resolution required. ' +
      'Visitor: own session, resolution optional. Errors: NOT_FOUND, FORBIDDEN, SESSION_CLOSED, BAD_USER_INPUT.',
  })
  @Allow('visitor', 'operator')
  closeSession(
    @CurrentPrincipal() principal: Principal,
    @Args('sessionId', { type: () => ID }) sessionId: string,
    @Context('arrival') arrival: ArrivalTurn | undefined,
    @Args('resolution', { type: () => String, nullable: true }) resolution?: string,
  ): Promise<ChatSessionModel> {
    return this.sessionsService.closeSession(principal, sessionId, resolution, arrival);
  }

  @Mutation(() => Boolean, {
    description: 'Tell the other side you are (not) typing; not stored. Errors: NOT_FOUND, FORBIDDEN, SESSION_CLOSED.',
  })
  @Allow('visitor', 'operator')
  setTyping(
    @CurrentPrincipal() principal: Principal,
    @Args('sessionId', { type: () => ID }) sessionId: string,
    @Args('isTyping') isTyping: boolean,
  ): Promise<boolean> {
    return this.sessionsService.setTyping(principal, sessionId, isTyping);
  }
}
