import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { RatingsResolver } from './ratings.resolver';
import { RatingsService } from './ratings.service';

/** CSAT ratings of closed chat sessions. */
@Module({ imports: [SessionsModule], providers: [RatingsService, RatingsResolver] })
export class RatingsModule {}
