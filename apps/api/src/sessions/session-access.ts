import { EntityManager } from '@mikro-orm/postgresql';
import { Principal } from '../auth/principal';
import { ChatSessionStatus } from '../common/enums';
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
  if (principal.kind === 'visitor' && session.visitor.id !== principal.visitorId) throw SessionError.forbidden();
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
