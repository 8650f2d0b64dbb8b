import { Module } from '@nestjs/common';
import { PresenceService } from './presence.service';

/** Operator presence (Redis liveness + chosen state). `setPresence` is served by the operators resolver. */
@Module({
  providers: [PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}
