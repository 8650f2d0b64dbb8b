import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module';
import { QueueService } from './queue.service';
import { SessionEventsResolver } from './session-events.resolver';
import { SessionsResolver } from './sessions.resolver';
import { SessionsService } from './sessions.service';

/** Chat sessions, the waiting queue and their subscriptions. */
@Module({
  imports: [PresenceModule],
  providers: [SessionsService, QueueService, SessionsResolver, SessionEventsResolver],
  exports: [SessionsService, QueueService],
})
export class SessionsModule {}
