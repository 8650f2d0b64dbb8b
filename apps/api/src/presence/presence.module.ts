import { Module } from '@nestjs/common';
import { ParticipantPresencePublisher } from './participant-presence.publisher';
import { PresenceService } from './presence.service';
import { SessionPresenceResolver } from './session-presence.resolver';

/**
 * Presence of operators and visitors (Redis liveness + operators' chosen state), the
 * `ParticipantPresenceChanged` events it causes and `ChatSession.visitorPresence`.
 * `setPresence` is served by the operators resolver; sockets are reported by the graphql-ws hooks.
 */
@Module({
  providers: [PresenceService, ParticipantPresencePublisher, SessionPresenceResolver],
  exports: [PresenceService],
})
export class PresenceModule {}
