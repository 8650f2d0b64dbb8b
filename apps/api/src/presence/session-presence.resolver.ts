import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Presence } from '../common/enums';
import { ChatSessionModel } from '../sessions/models/chat-session.model';
import { PresenceService } from './presence.service';

/** Presence fields of `ChatSession` (resolved only when asked for: one Redis read each). */
@Resolver(() => ChatSessionModel)
export class SessionPresenceResolver {
  constructor(private readonly presence: PresenceService) {}

  @ResolveField(() => Presence, {
    description:
      "The visitor's presence now: ONLINE while a widget of theirs is connected (any tab), else OFFLINE. " +
      'Changes arrive as ParticipantPresenceChanged { role: VISITOR } in sessionEvents.',
  })
  visitorPresence(@Parent() session: ChatSessionModel): Promise<Presence> {
    return this.presence.visitorPresence(session.visitor.id);
  }
}
