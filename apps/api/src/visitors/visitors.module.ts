import { Module } from '@nestjs/common';
import { VisitorsResolver } from './visitors.resolver';
import { VisitorsService } from './visitors.service';

/** Visitors and guest tokens. */
@Module({ providers: [VisitorsService, VisitorsResolver] })
export class VisitorsModule {}
