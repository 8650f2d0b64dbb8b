import { EntityManager } from '@mikro-orm/postgresql';
import { ChatSessionStatus } from '../common/enums';
import { sql } from '../database/sql';
import { NotificationEvent } from './notification-jobs';

/** What a notification says, before a channel formats it. Values and `body` may come from visitors: channels escape them. */
export interface Notice {
  /** Parley's own one-line headline, e.g. "New chat waiting". */
  headline: string;
  /** E-mail subject line (untrusted parts included). */
  subject: string;
  /** Labelled one-line facts, in order. */
  facts: Array<{ label: string; value: string }>;
  /** Longer text (the visitor's first message); shortened to fit a channel's limit. */
  body?: string;
  link: { url: string; text: string };
}

/** Link to a chat session in the operator console. */
export function consoleSessionUrl(publicUrl: string, sessionId: string): string {
  return `${publicUrl}/console/chats/${encodeURIComponent(sessionId)}`;
}

/** "45 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const minutes = Math.floor((s % 3600) / 60);
  return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${s / 3600} h`;
}

interface SessionRow {
  status: ChatSessionStatus;
  waited_seconds: number | string;
  name: string | null;
  email: string | null;
  page_url: string | null;
  first_message: string | null;
}

/**
 * The notice for an event of a chat session, read now (waiting time as of now), or null when there is
 * nothing to say any more: the session is gone or no longer WAITING (an operator took it).
 */
export async function loadSessionNotice(
  em: EntityManager,
  publicUrl: string,
  event: NotificationEvent,
  sessionId: string,
): Promise<Notice | null> {
  const [row] = await sql<SessionRow>(
    em,
    `SELECT cs.status, extract(epoch from now() - cs.queued_at) AS waited_seconds, v.name, v.email, v.page_url,
       (SELECT content FROM message m WHERE m.session_id = cs.id AND m.sender_role = 'VISITOR' ORDER BY m.seq LIMIT 1) AS first_message
     FROM chat_session cs JOIN visitor v ON v.id = cs.visitor_id WHERE cs.id = ?`,
    [sessionId],
  );
  if (!row || row.status !== ChatSessionStatus.WAITING) return null;
  const waiting = formatDuration(Number(row.waited_seconds));
  const visitor = row.name ?? 'A visitor';
  const headline = event === NotificationEvent.NEW_SESSION ? 'New chat waiting, no operator online' : `Chat waiting for ${waiting}`;
  const facts = [
    { label: 'Visitor', value: row.email ? `${visitor} <${row.email}>` : visitor },
    ...(row.page_url ? [{ label: 'Page', value: row.page_url }] : []),
    { label: 'Waiting', value: waiting },
  ];
  return {
    headline,
    subject: `${headline}: ${visitor}${row.first_message ? ` — ${row.first_message}` : ''}`,
    facts,
    body: row.first_message ?? '(no message yet)',
    link: { url: consoleSessionUrl(publicUrl, sessionId), text: 'Open the chat in the console' },
  };
}

/** The notice `sendTestNotification` sends. */
export function testNotice(publicUrl: string, operatorName: string): Notice {
  const headline = 'Parley test notification';
  return {
    headline,
    subject: headline,
    facts: [
      { label: 'Requested by', value: operatorName },
      { label: 'Parley', value: publicUrl },
    ],
    body: 'Operators will be notified here when a visitor waits and nobody is online.',
    link: { url: `${publicUrl}/console/`, text: 'Open the console' },
  };
}
