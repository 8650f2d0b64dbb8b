import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { MAX_CLIENT_MESSAGE_ID_LENGTH, MAX_MESSAGE_LENGTH, MAX_PAGE_SIZE, MAX_RESOLUTION_LENGTH, normalizeText } from '@parley/shared';
import { randomUUID } from 'node:crypto';
import { Principal } from '../auth/principal';
import { RequestError } from '../common/domain-error';
import { ChatSessionStatus, SenderRole, SystemEvent } from '../common/enums';
import { sql } from '../database/sql';
import type { ArrivalTurn } from '../messages/arrival-order';
import { appendMessage } from '../messages/message-store';
import { MessageModel } from '../messages/models/message.model';
import { NotificationsService } from '../notifications/notifications.service';
import { Operator } from '../operators/operator.entity';
import { toOperatorModel } from '../operators/models/operator.model';
import { EventsPublisher } from '../realtime/events.publisher';
import { Visitor } from '../visitors/visitor.entity';
import { ChatSession } from './chat-session.entity';
import { ChatSessionModel, ChatSessionPageModel } from './models/chat-session.model';
import { QueueService } from './queue.service';
import { assertCanRead, assertCanWrite, isSessionId, loadSession } from './session-access';
import { SessionError } from './sessions.errors';

/** Trims and checks text. @throws SessionError `BAD_USER_INPUT` naming `field`. */
export function requireText(raw: string, max: number, field: string): string {
  const result = normalizeText(raw, max);
  if (result.ok) return result.text;
  throw SessionError.badInput(
    result.reason === 'empty' ? `${field} must not be empty` : `${field} must be at most ${max} characters`,
    field,
  );
}

/** Client-chosen idempotency key: `A-Z a-z 0-9 _ - : .` (a UUID fits), 1–{@link MAX_CLIENT_MESSAGE_ID_LENGTH} long. */
const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_\-:.]+$/;

/** Checks a message's `clientMessageId`. @throws SessionError `BAD_USER_INPUT` with `field: 'clientMessageId'`. */
export function requireClientMessageId(raw: string): string {
  if (raw.length === 0 || raw.length > MAX_CLIENT_MESSAGE_ID_LENGTH) {
    throw SessionError.badInput(`clientMessageId must be 1–${MAX_CLIENT_MESSAGE_ID_LENGTH} characters`, 'clientMessageId');
  }
  if (!CLIENT_MESSAGE_ID.test(raw)) {
    throw SessionError.badInput('clientMessageId may hold only letters, digits, "_", "-", ":" and "."', 'clientMessageId');
  }
  return raw;
}

interface Cursor {
  queuedAt: Date;
  id: string;
}

function encodeCursor(session: ChatSession): string {
  return Buffer.from(JSON.stringify({ queuedAt: session.queuedAt.toISOString(), id: session.id })).toString('base64url');
}

/**
 * Reads an `after` cursor back. Only what `encodeCursor` writes passes: exactly the two keys, a session
 * id (UUID) and a queuedAt in `Date#toISOString` form that reads back to the same text, years 1–9999 (so
 * no date is quietly moved, and PostgreSQL can compare it); a cursor made by hand is refused here rather than by the
 * database. @throws SessionError `BAD_USER_INPUT` with `field: 'after'`.
 */
function decodeCursor(raw: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Record<string, unknown>;
    const { queuedAt, id } = cursor;
    if (Object.keys(cursor).length === 2 && typeof id === 'string' && isSessionId(id) && typeof queuedAt === 'string') {
      const at = new Date(queuedAt);
      if (!Number.isNaN(at.getTime()) && at.toISOString() === queuedAt && at.getUTCFullYear() >= 1) return { queuedAt: at, id };
    }
  } catch {
    // fall through
  }
  throw SessionError.badInput('after is not a cursor this API gave out', 'after');
}

/** The chat session lifecycle: start → accept → close, plus reading and typing. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly queue: QueueService,
    private readonly events: EventsPublisher,
    private readonly notifications: NotificationsService,
  ) {}

  /**
   * Returns the visitor's open session, or creates one `WAITING` at the back of the queue.
   * One open session per visitor is enforced by the partial unique index, so racing calls get the same one.
   * `content`, when given, is sent as a visitor message (idempotent on `clientMessageId`).
   * A new session is handed to notifications (operators hear of it when none is online, or when it waits long).
   * Answers once the session and its message are stored: the message, the queue broadcast and the notification
   * jobs go to Redis in the background, so a Redis that is down or hangs neither fails nor holds up the answer.
   * @param arrival the operation's turn among its WebSocket connection's mutations (`ArrivalOrder`), passed once
   *   the session and its message are stored, before they are published; absent over HTTP
   * @throws SessionError `BAD_USER_INPUT` (content empty after trimming, or too long; a malformed
   *   `clientMessageId`, see {@link requireClientMessageId}): nothing is created.
   * @throws RequestError `UNAUTHENTICATED` when the token's visitor is not stored.
   */
  async startSession(visitorId: string, input: { content?: string; clientMessageId?: string }, arrival?: ArrivalTurn): Promise<ChatSessionModel> {
    const content = input.content === undefined || input.content === null ? undefined : requireText(input.content, MAX_MESSAGE_LENGTH, 'content');
    const clientMessageId = input.clientMessageId === undefined || input.clientMessageId === null ? randomUUID() : requireClientMessageId(input.clientMessageId);
    const em = this.em.fork();
    // Nothing is inserted for a visitor that is not stored (rather than a foreign-key violation).
    const inserted = await sql<{ id: string }>(
      em,
      `INSERT INTO chat_session (id, visitor_id, status, queued_at, last_seq)
       SELECT ?, id, 'WAITING', now(), 0 FROM visitor WHERE id = ?
       ON CONFLICT (visitor_id) WHERE status <> 'CLOSED' DO NOTHING
       RETURNING id`,
      [randomUUID(), visitorId],
    );
    const created = inserted.length > 0;
    const session = await em.findOne(
      ChatSession,
      { visitor: visitorId, status: { $ne: ChatSessionStatus.CLOSED } },
      { populate: ['visitor', 'operator'] },
    );
    if (!session) {
      // Either the visitor is not stored, or its open session was closed in between: then open a new one.
      await assertVisitorStored(em, visitorId);
      return this.startSession(visitorId, input, arrival);
    }
    let message: MessageModel | undefined;
    if (content !== undefined) {
      const result = await appendMessage(em, {
        sessionId: session.id,
        senderRole: SenderRole.VISITOR,
        content,
        clientMessageId,
      });
      if (result?.created) message = result.message;
      if (result) session.lastSeq = Math.max(session.lastSeq, result.message.seq);
    }
    arrival?.pass(); // stored: the connection's next mutations may start while this one announces it
    // Announced without waiting for Redis, as sendMessage's messages are: a Redis that is down or hangs must
    // neither fail the request after the chat was stored (the visitor's retry would find it created and
    // announce nothing, so no operator would be notified of it) nor hold the answer for as long as it lasts.
    // Each logs its own failure; the queue is broadcast again at its next change and once Redis is back, and
    // the notification jobs are added when Redis answers again (BullMQ queues the command meanwhile).
    if (message) this.events.announce({ __typename: 'MessageCreated', sessionId: session.id, message });
    if (created || message) this.queue.broadcastInBackground();
    if (created) void this.notifications.sessionQueued(session.id);
    return this.queue.toModel(session);
  }

  /** One session, if the principal may read it. @throws SessionError `NOT_FOUND`, `FORBIDDEN` */
  async getSession(principal: Principal, sessionId: string): Promise<ChatSessionModel> {
    const session = await loadSession(this.em.fork(), sessionId);
    assertCanRead(principal, session);
    return this.queue.toModel(session);
  }

  /** Checks read access without building the model (subscriptions). */
  async assertReadable(principal: Principal, sessionId: string): Promise<ChatSession> {
    const session = await loadSession(this.em.fork(), sessionId);
    assertCanRead(principal, session);
    return session;
  }

  /** Checks write access (messages, typing). @throws SessionError `NOT_FOUND`, `FORBIDDEN`, `SESSION_CLOSED` */
  async assertWritable(principal: Principal, sessionId: string): Promise<ChatSession> {
    const session = await loadSession(this.em.fork(), sessionId);
    assertCanWrite(principal, session);
    return session;
  }

  /**
   * A visitor's own sessions, newest first ({@link listSessions}).
   * @throws RequestError `UNAUTHENTICATED` when the token's visitor is not stored (checked only when the
   *   page is empty), so a widget starts afresh before its visitor types; SessionError `BAD_USER_INPUT`.
   */
  async listVisitorSessions(visitorId: string, page: { first?: number; after?: string }): Promise<ChatSessionPageModel> {
    const sessions = await this.listSessions({ visitorId, ...page });
    if (!sessions.nodes.length) await assertVisitorStored(this.em.fork(), visitorId);
    return sessions;
  }

  /**
   * Sessions newest-queued first, optionally of one status, one operator or one visitor, and matching
   * `search` (case-insensitive substring of the visitor's name or e-mail or of any message); keyset-paginated.
   * @param first page size, 1–200 (default 50). @throws SessionError `BAD_USER_INPUT` on a bad `first` or cursor.
   */
  async listSessions(filter: {
    status?: ChatSessionStatus;
    operatorId?: string;
    visitorId?: string;
    search?: string;
    first?: number;
    after?: string;
  }): Promise<ChatSessionPageModel> {
    const first = filter.first ?? 50;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw SessionError.badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
    }
    const qb = this.em
      .fork()
      .createQueryBuilder(ChatSession, 'cs')
      .leftJoinAndSelect('cs.visitor', 'v')
      .leftJoinAndSelect('cs.operator', 'o')
      .orderBy({ queuedAt: 'desc', id: 'desc' })
      .limit(first + 1);
    if (filter.status) qb.andWhere({ status: filter.status });
    if (filter.operatorId) qb.andWhere({ operator: filter.operatorId });
    if (filter.visitorId) qb.andWhere({ visitor: filter.visitorId });
    const search = filter.search?.trim();
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        '(v.name ilike ? or v.email ilike ? or exists (select 1 from message m where m.session_id = cs.id and m.content ilike ?))',
        [pattern, pattern, pattern],
      );
    }
    if (filter.after) {
      const cursor = decodeCursor(filter.after);
      qb.andWhere('(cs.queued_at, cs.id) < (?, ?)', [cursor.queuedAt, cursor.id]);
    }
    const rows = await qb.getResultList();
    const page = rows.slice(0, first);
    const nodes = await Promise.all(page.map((s) => this.queue.toModel(s)));
    return {
      nodes,
      pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? encodeCursor(page[page.length - 1]) : null },
    };
  }

  /**
   * Atomically assigns a WAITING session to the operator: a conditional UPDATE, so when operators race
   * exactly one wins. The winner's session gets a SYSTEM line; one `OperatorJoined` is published.
   * Answers once committed: the events and the queue broadcast go to Redis in the background, so a Redis that
   * is down or hangs neither fails the accept after the fact nor holds up the answer.
   *
   * Idempotent for the holder: when the session is already ACTIVE and assigned to this operator (a retry after
   * a lost answer, or two of its own accepts racing), it is answered as it is, as a success, and nothing is
   * written, announced or broadcast again.
   * @param arrival the operation's turn among its WebSocket connection's mutations (`ArrivalOrder`), passed once
   *   the assignment is committed (or found already this operator's), before it is published and the queue
   *   broadcast; absent over HTTP
   * @returns the session, ACTIVE and assigned to this operator, with its history
   * @throws SessionError `NOT_FOUND`, `SESSION_ALREADY_TAKEN` (another operator holds it), `SESSION_CLOSED`
   */
  async acceptSession(operatorId: string, sessionId: string, arrival?: ArrivalTurn): Promise<ChatSessionModel> {
    const em = this.em.fork();
    await loadSession(em, sessionId); // NOT_FOUND before anything else
    const operator = await em.findOneOrFail(Operator, operatorId);
    const system = await em.transactional(async (tx) => {
      const won = await sql<{ id: string }>(
        tx,
        `UPDATE chat_session SET status = 'ACTIVE', operator_id = ?, accepted_at = now()
         WHERE id = ? AND status = 'WAITING' RETURNING id`,
        [operatorId, sessionId],
      );
      if (won.length === 0) return undefined;
      return appendMessage(tx, {
        sessionId,
        senderRole: SenderRole.SYSTEM,
        systemEvent: SystemEvent.OPERATOR_JOINED,
        content: `${operator.name} joined the chat`,
      });
    });
    if (!system) {
      const current = await loadSession(this.em.fork(), sessionId);
      if (current.status === ChatSessionStatus.CLOSED) throw SessionError.closed(sessionId);
      if (current.operator?.id !== operatorId) throw SessionError.alreadyTaken(sessionId);
      arrival?.pass(); // already this operator's: its accept (and OperatorJoined) was committed and announced before
      return this.queue.toModel(current);
    }
    arrival?.pass(); // committed: the connection's next mutations (a greeting into this chat) may start
    // Announced without waiting for Redis (see startSession): the chat is this operator's now, whatever Redis does.
    this.events.announce({ __typename: 'MessageCreated', sessionId, message: system.message });
    this.events.announce({ __typename: 'OperatorJoined', sessionId, operator: toOperatorModel(operator) });
    this.queue.broadcastInBackground();
    return this.queue.toModel(await loadSession(this.em.fork(), sessionId));
  }

  /**
   * Closes a session. Operators: the assigned operator closes an ACTIVE session; any operator may close a
   * WAITING one (spam, duplicates); `resolution` is required. Visitors close their own session (leaving);
   * `resolution` is optional for them. A SYSTEM line records it; `SessionClosed` is published.
   * Answers once committed: the events (and the queue broadcast, for a waiting one) go to Redis in the
   * background, as {@link acceptSession}'s.
   * @param arrival the operation's turn among its WebSocket connection's mutations (`ArrivalOrder`), passed once
   *   the close is committed, before it is published; absent over HTTP
   * @throws SessionError `NOT_FOUND`, `FORBIDDEN`, `SESSION_CLOSED`, `BAD_USER_INPUT`
   */
  async closeSession(principal: Principal, sessionId: string, rawResolution?: string | null, arrival?: ArrivalTurn): Promise<ChatSessionModel> {
    const em = this.em.fork();
    const session = await loadSession(em, sessionId);
    assertCanRead(principal, session);
    if (session.status === ChatSessionStatus.CLOSED) throw SessionError.closed(sessionId);
    if (principal.kind === 'operator' && session.status === ChatSessionStatus.ACTIVE && session.operator?.id !== principal.operatorId) {
      throw SessionError.forbidden('This chat session is assigned to another operator');
    }
    const resolution =
      rawResolution === undefined || rawResolution === null
        ? principal.kind === 'operator'
          ? requireText('', MAX_RESOLUTION_LENGTH, 'resolution')
          : null
        : requireText(rawResolution, MAX_RESOLUTION_LENGTH, 'resolution');
    const closedBy = principal.kind === 'operator' ? SenderRole.OPERATOR : SenderRole.VISITOR;
    const wasWaiting = session.status === ChatSessionStatus.WAITING;

    const result = await em.transactional(async (tx) => {
      const rows = await sql<{ closed_at_ms: number | string }>(
        tx,
        `UPDATE chat_session SET status = 'CLOSED', closed_at = now(), closed_by = ?, resolution = ?
         WHERE id = ? AND status = ? RETURNING round(extract(epoch from closed_at) * 1000)::float8 AS closed_at_ms`,
        [closedBy, resolution, sessionId, session.status],
      );
      if (rows.length === 0) return undefined;
      const line = closedBy === SenderRole.OPERATOR ? `Chat closed: ${resolution}` : 'The visitor left the chat';
      const system = await appendMessage(tx, {
        sessionId,
        senderRole: SenderRole.SYSTEM,
        systemEvent: closedBy === SenderRole.OPERATOR ? SystemEvent.CLOSED_BY_OPERATOR : SystemEvent.VISITOR_LEFT,
        content: line,
        allowClosed: true,
      });
      return { closedAt: new Date(Number(rows[0].closed_at_ms)), system: system! };
    });
    if (!result) throw SessionError.closed(sessionId); // closed or re-assigned meanwhile
    arrival?.pass(); // committed: the connection's next mutations may start while it is announced
    // Announced without waiting for Redis (see startSession): the chat is closed, whatever Redis does.
    this.events.announce({ __typename: 'MessageCreated', sessionId, message: result.system.message });
    this.events.announce({ __typename: 'SessionClosed', sessionId, resolution, closedBy, closedAt: result.closedAt });
    if (wasWaiting) this.queue.broadcastInBackground();
    return this.queue.toModel(await loadSession(this.em.fork(), sessionId));
  }

  /** Publishes a typing change (not stored). @throws SessionError `NOT_FOUND`, `FORBIDDEN`, `SESSION_CLOSED` */
  async setTyping(principal: Principal, sessionId: string, isTyping: boolean): Promise<boolean> {
    await this.assertWritable(principal, sessionId);
    await this.events.publishSessionEvent({
      __typename: 'TypingChanged',
      sessionId,
      senderRole: principal.kind === 'visitor' ? SenderRole.VISITOR : SenderRole.OPERATOR,
      isTyping,
    });
    return true;
  }
}

/** @throws RequestError `UNAUTHENTICATED` when a guest token's visitor is not stored (any more). */
async function assertVisitorStored(em: EntityManager, visitorId: string): Promise<void> {
  if (!(await em.count(Visitor, { id: visitorId }))) throw RequestError.visitorGone();
}
