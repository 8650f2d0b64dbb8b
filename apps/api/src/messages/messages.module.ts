import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { MessagesResolver } from './messages.resolver';
import { MessagesService } from './messages.service';

/** Sending messages and reading history. */
@Module({
  imports: [SessionsModule],
  providers: [MessagesService, MessagesResolver],
})
export class MessagesModule {}
