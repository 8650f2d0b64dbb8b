import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module';
import { OperatorsResolver } from './operators.resolver';
import { OperatorsService } from './operators.service';

/** Operator accounts, sign-in and presence. */
@Module({
  imports: [PresenceModule],
  providers: [OperatorsService, OperatorsResolver],
  exports: [OperatorsService],
})
export class OperatorsModule {}
