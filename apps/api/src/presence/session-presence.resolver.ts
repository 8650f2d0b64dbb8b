import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Presence } from '../common/enums';
import { ChatSessionModel } from '../sessions/models/chat-session.model';
import { PresenceService } from './presence.service';

/** Presence fields of `ChatSession` (resolved only when asked for: one Redis read each). */
@Resolver(() => ChatSessionModel)
export class SessionPresenceResolver {
  constructor(private readonly presence: PresenceService) {}

  /**
   * The visitor's presence ({@link PresenceService.visitorPresence}). When Redis does not answer within
   * `REDIS_COMMAND_TIMEOUT_MS` (2000 ms), or is unreachable: OFFLINE, with one warning line (grouped), and
   * the rest of the session answered. Not a field error: the field is non-null (`Presence!`), so an error on
   * it would null the whole session and the operator console would lose the chat it opened. OFFLINE is the
   * field's own word for "no connected widget known", and the safe one to act on (what the operator sends
   * is stored and reaches the visitor when they are back); the next read of the chat (the console re-reads
   * it when its live stream resumes) or a `ParticipantPresenceChanged` event sets it right.
   * Another error (a bug, not an outage) is the field's error.
   */
  @ResolveField(() => Presence, {
    description:
      "The visitor's presence now: ONLINE while a widget of theirs is connected (any tab), else OFFLINE. " +
      'Changes arrive as ParticipantPresenceChanged { role: VISITOR } in sessionEvents.',
  })
  visitorPresence(@Parent() session: ChatSessionModel): Promise<Presence> {
    return this.presence.readOr(this.presence.visitorPresence(session.visitor.id), Presence.OFFLINE, 'visitorPresence answered OFFLINE');
  }
}
