import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { MessagesResolver } from './messages.resolver';
import { MessageWriter } from './message-writer';
import { MessagesService } from './messages.service';

/** Sending messages and reading history. */
@Module({
  imports: [SessionsModule],
  providers: [MessageWriter, MessagesService, MessagesResolver],
})
export class MessagesModule {}
