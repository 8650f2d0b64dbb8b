import { Args, Context, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { SendMessageInput } from '../sessions/dto/session.inputs';
import { ChatSessionModel } from '../sessions/models/chat-session.model';
import type { ArrivalTurn } from './arrival-order';
import { MessagesService } from './messages.service';
import { MessageModel } from './models/message.model';
import { RateLimit } from '../security/rate-limit.decorator';

@Resolver(() => ChatSessionModel)
export class MessagesResolver {
  constructor(private readonly messagesService: MessagesService) {}

  @Mutation(() => MessageModel, {
    description:
      'Send a message into a chat session: visitors into their own, operators into one assigned to them. ' +
      'Idempotent on clientMessageId. Errors: BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, SESSION_CLOSED.',
  })
  @Allow('visitor', 'operator')
  @RateLimit('sendMessage')
  sendMessage(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: SendMessageInput,
    @Context('arrival') arrival: ArrivalTurn | undefined,
  ): Promise<MessageModel> {
    return this.messagesService.sendMessage(principal, input, arrival);
  }

  @ResolveField(() => [MessageModel], {
    description:
      'History in ascending seq. `afterSeq`: only later messages (catch-up). `beforeSeq`: the latest `first` ' +
      'messages before it (scrolling up). `first`: 1–200, default 100.',
  })
  messages(
    @Parent() session: ChatSessionModel,
    @Args('afterSeq', { type: () => Int, nullable: true }) afterSeq?: number,
    @Args('beforeSeq', { type: () => Int, nullable: true }) beforeSeq?: number,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<MessageModel[]> {
    return this.messagesService.list(session.id, { afterSeq, beforeSeq, first });
  }
}
