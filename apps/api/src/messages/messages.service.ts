import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { MAX_MESSAGE_LENGTH, MAX_PAGE_SIZE } from '@parley/shared';
import { Principal } from '../auth/principal';
import { EventsPublisher } from '../realtime/events.publisher';
import { SendMessageInput } from '../sessions/dto/session.inputs';
import { SessionError } from '../sessions/sessions.errors';
import { isSessionId } from '../sessions/session-access';
import { requireClientMessageId, requireText, SessionsService } from '../sessions/sessions.service';
import { appendMessage, findByClientMessageId, listMessages, MessageWindow, senderOf } from './message-store';
import { MetricsService } from '../metrics/metrics.service';
import type { ArrivalTurn } from './arrival-order';
import { MessageWriter } from './message-writer';
import { MessageModel } from './models/message.model';

/** Sending and reading messages. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly em: EntityManager,
    private readonly sessions: SessionsService,
    private readonly events: EventsPublisher,
    private readonly writer: MessageWriter,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Stores the message with the session's next seq, then announces `MessageCreated` (without waiting for Redis;
   * see `EventsPublisher.announce`).
   * Idempotent on `clientMessageId`: a retry returns the stored message and publishes nothing
   * (also after the session closed, so a client's retry of a delivered message still succeeds).
   * @param arrival the operation's turn among its WebSocket connection's mutations (see `ArrivalOrder`), passed
   *   once the message is handed to the writer; absent over HTTP
   * @throws SessionError `BAD_USER_INPUT` (content empty or over 4,000 code points after trimming; a malformed
   *   `clientMessageId`, see `requireClientMessageId`), `NOT_FOUND`,
   *   `FORBIDDEN` (not your session / not assigned to you), `SESSION_CLOSED`
   */
  async sendMessage(principal: Principal, input: SendMessageInput, arrival?: ArrivalTurn): Promise<MessageModel> {
    const content = requireText(input.content, MAX_MESSAGE_LENGTH, 'content');
    requireClientMessageId(input.clientMessageId);
    const writer = principal.kind === 'visitor' ? { visitorId: principal.visitorId } : { operatorId: principal.operatorId };
    const sender = senderOf(writer);
    // Hot path: authorization, seq and insert in one statement, batched with other sessions' messages.
    if (isSessionId(input.sessionId)) {
      const appended = this.writer.append({
        sessionId: input.sessionId,
        content,
        clientMessageId: input.clientMessageId,
        writer,
      });
      // Handed over: the writer keeps one session's messages in that order, so the connection's next ones may go.
      arrival?.pass();
      const result = await appended;
      if (result) {
        if (result.created) {
          this.metrics.messageStored(sender.senderRole);
          this.events.announce({ __typename: 'MessageCreated', sessionId: input.sessionId, message: result.message });
        }
        return result.message;
      }
    }
    // Nothing written: find out why (NOT_FOUND, FORBIDDEN, SESSION_CLOSED), or return what a retry already delivered.
    let session;
    try {
      session = await this.sessions.assertWritable(principal, input.sessionId);
    } catch (error) {
      if (!(error instanceof SessionError) || error.code !== 'SESSION_CLOSED') throw error;
      const delivered = await findByClientMessageId(this.em.fork(), input.sessionId, input.clientMessageId);
      if (delivered) return delivered;
      throw error;
    }
    const result = await appendMessage(this.em.fork(), {
      sessionId: session.id,
      ...sender,
      content,
      clientMessageId: input.clientMessageId,
    });
    if (!result) throw SessionError.closed(session.id); // closed between the check and the write
    if (result.created) {
      this.metrics.messageStored(sender.senderRole);
      this.events.announce({ __typename: 'MessageCreated', sessionId: session.id, message: result.message });
    }
    return result.message;
  }

  /**
   * A window of a session's history, ascending seq (access already checked on the parent session).
   * @throws SessionError `BAD_USER_INPUT` when `first` is outside 1–200.
   */
  list(sessionId: string, window: Omit<MessageWindow, 'limit'> & { first?: number | null }): Promise<MessageModel[]> {
    const first = window.first ?? 100;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw SessionError.badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
    }
    return listMessages(this.em.fork(), sessionId, { afterSeq: window.afterSeq, beforeSeq: window.beforeSeq, limit: first });
  }
}
