import { EntityManager } from '@mikro-orm/postgresql';
import { Principal } from '../auth/principal';
import { ChatSessionStatus } from '../common/enums';
import { sql } from '../database/sql';
import { ChatSession } from './chat-session.entity';
import { SessionError } from './sessions.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can be a session id at all (anything else is `NOT_FOUND` without asking the database). */
export function isSessionId(id: string): boolean {
  return UUID.test(id);
}

/** Loads a session with its visitor and operator. @throws SessionError `NOT_FOUND` (also for a malformed id). */
export async function loadSession(em: EntityManager, sessionId: string): Promise<ChatSession> {
  const session = isSessionId(sessionId)
    ? await em.findOne(ChatSession, sessionId, { populate: ['visitor', 'operator'] })
    : null;
  if (!session) throw SessionError.notFound(sessionId);
  return session;
}

/**
 * Read rule: a visitor reads only its own sessions; any operator reads any session (to triage the queue).
 * @throws SessionError `FORBIDDEN`
 */
export function assertCanRead(principal: Principal, session: ChatSession): void {
  assertMayRead(principal, session.visitor.id);
}

function assertMayRead(principal: Principal, visitorId: string): void {
  if (principal.kind === 'visitor' && visitorId !== principal.visitorId) throw SessionError.forbidden();
}

/** The few columns a subscription needs, read with one plain SQL statement (no entity, no unit of work). */
export interface SessionHead {
  id: string;
  visitorId: string;
  operatorId: string | null;
  status: ChatSessionStatus;
  queuedAt: Date;
  lastSeq: number;
}

/** {@link SessionHead} of a session, or undefined when there is none (or `sessionId` is malformed). */
export async function readSessionHead(em: EntityManager, sessionId: string): Promise<SessionHead | undefined> {
  if (!isSessionId(sessionId)) return undefined;
  const [row] = await sql<{ visitor_id: string; operator_id: string | null; status: ChatSessionStatus; queued_at_ms: number | string; last_seq: number }>(
    em,
    `SELECT visitor_id, operator_id, status, round(extract(epoch from queued_at) * 1000)::float8 AS queued_at_ms, last_seq
     FROM chat_session WHERE id = ?`,
    [sessionId],
  );
  if (!row) return undefined;
  return {
    id: sessionId,
    visitorId: row.visitor_id,
    operatorId: row.operator_id,
    status: row.status,
    queuedAt: new Date(Number(row.queued_at_ms)),
    lastSeq: Number(row.last_seq),
  };
}

/**
 * The read rule of {@link assertCanRead} on a {@link readSessionHead}: what `sessionEvents` checks for each
 * of the thousands of widgets that (re)subscribe. @throws SessionError `NOT_FOUND`, `FORBIDDEN`
 */
export async function assertReadableHead(em: EntityManager, principal: Principal, sessionId: string): Promise<SessionHead> {
  const head = await readSessionHead(em, sessionId);
  if (!head) throw SessionError.notFound(sessionId);
  assertMayRead(principal, head.visitorId);
  return head;
}

/**
 * Write rule (messages, typing): a visitor writes only into its own session; an operator only into a
 * session assigned to them; nobody into a closed one.
 * @throws SessionError `FORBIDDEN`, `SESSION_CLOSED`
 */
export function assertCanWrite(principal: Principal, session: ChatSession): void {
  assertCanRead(principal, session);
  if (principal.kind === 'operator' && session.operator?.id !== principal.operatorId) {
    throw SessionError.forbidden(
      session.status === ChatSessionStatus.WAITING
        ? 'Accept the chat session before writing into it'
        : 'This chat session is assigned to another operator',
    );
  }
  if (session.status === ChatSessionStatus.CLOSED) throw SessionError.closed(session.id);
}
