import { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { SenderRole, SystemEvent } from '../common/enums';
import { isUniqueViolation, sql } from '../database/sql';
import { MessageModel } from './models/message.model';

interface MessageRow {
  id: string;
  session_id: string;
  seq: number;
  sender_role: SenderRole;
  sender_name: string | null;
  content: string;
  system_event: SystemEvent | null;
  client_message_id: string | null;
  /** Unix ms: read as a number so no driver or session time zone can shift it. */
  sent_at_ms: number | string;
}

const SELECT_MESSAGE = `
  SELECT m.id, m.session_id, m.seq, m.sender_role, o.name AS sender_name, m.content, m.system_event, m.client_message_id,
    round(extract(epoch from m.sent_at) * 1000)::float8 AS sent_at_ms
  FROM message m LEFT JOIN operator o ON o.id = m.sender_operator_id`;

function toModel(row: MessageRow): MessageModel {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: Number(row.seq),
    senderRole: row.sender_role,
    senderName: row.sender_name,
    content: row.content,
    systemEvent: row.system_event,
    clientMessageId: row.client_message_id,
    sentAt: new Date(Number(row.sent_at_ms)),
  };
}

/** What {@link appendMessage} writes. `content` must already be validated. */
export interface NewMessage {
  sessionId: string;
  senderRole: SenderRole;
  senderOperatorId?: string;
  content: string;
  /** What a SYSTEM message records. */
  systemEvent?: SystemEvent;
  clientMessageId?: string;
  /** SYSTEM lines written while closing may go into a session whose row already says CLOSED. */
  allowClosed?: boolean;
  /**
   * Write only if this visitor owns the session / this operator is assigned to it: the authorization
   * check of `sendMessage`, folded into the same statement. When it fails nothing is written and the
   * result is `null`, like a closed session; the caller then finds out why.
   */
  writer?: { visitorId: string } | { operatorId: string };
}

/**
 * Result of {@link appendMessage}: the message and whether this call created it
 * (`false` when `clientMessageId` was already used in the session: a retry, nothing to publish),
 * or `null` when the session is missing or closed.
 */
export type AppendResult = { message: MessageModel; created: boolean } | null;

/** A message already stored under `clientMessageId` in the session, if any. */
export async function findByClientMessageId(
  em: EntityManager,
  sessionId: string,
  clientMessageId: string,
): Promise<MessageModel | undefined> {
  const rows = await sql<MessageRow>(em, `${SELECT_MESSAGE} WHERE m.session_id = ? AND m.client_message_id = ?`, [
    sessionId,
    clientMessageId,
  ]);
  return rows[0] ? toModel(rows[0]) : undefined;
}

/**
 * Runs one statement (`?` placeholders) and returns its rows. `name` identifies the statement text so a
 * runner may prepare it once per connection ({@link MessageWriter}); {@link emRunner} ignores it.
 */
export type SqlRunner = <Row>(name: string, text: string, params: unknown[]) => Promise<Row[]>;

/** A {@link SqlRunner} on `em`'s connection (inside `em`'s transaction when it has one). */
export function emRunner(em: EntityManager): SqlRunner {
  return <Row>(_name: string, text: string, params: unknown[]) => sql<Row>(em, text, params);
}

/**
 * Stores a message with the session's next `seq` in one statement: the session row's `last_seq` is
 * bumped and the message inserted atomically, so concurrent senders serialise on the row lock and
 * seqs have no gaps (a failed insert rolls the bump back). Idempotent on `clientMessageId`: a reused
 * one violates the unique index, which rolls the whole statement back (no seq is spent), and the stored
 * message is returned instead. Sending is the hot path, so it costs one round trip: no read first.
 * `run` executes the statement (default: on `em`); the idempotent retry is looked up on `em`.
 * The message's `id` is a UUIDv7 (RFC 9562 §5.7: Unix ms timestamp first, then a counter within the ms), so
 * each insert lands near the right edge of the primary key index. Ids ascend in the order they are made,
 * before the statement runs: concurrent sends into one session can take their seqs in another order, so a
 * session's order is `seq`, never `id`.
 */
export async function appendMessage(em: EntityManager, input: NewMessage, run: SqlRunner = emRunner(em)): Promise<AppendResult> {
  const id = uuidv7();
  const writer = input.writer;
  const writerColumn = writer === undefined ? undefined : 'visitorId' in writer ? 'visitor_id' : 'operator_id';
  try {
    const rows = await run<MessageRow>(
      `parley_append_message${writerColumn ? `_by_${writerColumn}` : ''}`,
      `WITH s AS (
         UPDATE chat_session SET last_seq = last_seq + 1
         WHERE id = ? AND (status <> 'CLOSED' OR ?)${writerColumn ? ` AND ${writerColumn} = ?` : ''}
         RETURNING id, last_seq
       ), m AS (
         INSERT INTO message (id, session_id, seq, sender_role, sender_operator_id, content, system_event, client_message_id, sent_at)
         SELECT ?, s.id, s.last_seq, ?, ?, ?, ?, ?, now() FROM s
         RETURNING *
       )
       ${SELECT_MESSAGE.replace('FROM message m', 'FROM m')}`,
      [
        input.sessionId,
        input.allowClosed === true,
        ...(writer === undefined ? [] : ['visitorId' in writer ? writer.visitorId : writer.operatorId]),
        id,
        input.senderRole,
        input.senderOperatorId ?? null,
        input.content,
        input.systemEvent ?? null,
        input.clientMessageId ?? null,
      ],
    );
    return rows[0] ? { message: toModel(rows[0]), created: true } : null;
  } catch (error) {
    if (input.clientMessageId && isUniqueViolation(error, 'message_session_client_message_id_unique')) {
      const existing = await findByClientMessageId(em, input.sessionId, input.clientMessageId);
      if (existing) return { message: existing, created: false };
    }
    throw error;
  }
}

/** A visitor's or operator's own message, as {@link appendSentMessages} writes it. `content` must already be validated. */
export interface SentMessage {
  sessionId: string;
  content: string;
  clientMessageId?: string;
  /** The sender: the session's visitor, or its assigned operator (who is then `senderOperatorId`). */
  writer: { visitorId: string } | { operatorId: string };
}

/** The sender columns of a message by `writer`: a visitor's, or an operator's, who is then its `senderOperatorId`. */
export function senderOf(writer: SentMessage['writer']): Pick<NewMessage, 'senderRole' | 'senderOperatorId'> {
  return 'visitorId' in writer ? { senderRole: SenderRole.VISITOR } : { senderRole: SenderRole.OPERATOR, senderOperatorId: writer.operatorId };
}

/**
 * Stores several messages, each in a different session, in one statement: per message, what
 * {@link appendMessage} does for one (the writer's check, the session's next `seq`, the insert), so a batch
 * costs one round trip, one commit and one WAL flush instead of one each per message.
 *
 * A batch waits for no row lock: a session whose row another transaction holds is skipped (`FOR UPDATE
 * SKIP LOCKED`, PostgreSQL manual, SELECT, "The Locking Clause"), so one held row does not hold up the
 * other sessions of the batch, and two batches can never deadlock.
 * Each message gets a UUIDv7 id, as in {@link appendMessage}.
 * @param sent at most one message per session
 * @returns per message of `sent`, in its order: the stored message, or `null` when nothing was written
 *   for it (session missing, closed or locked by another transaction, or the sender is not its visitor or
 *   assigned operator): {@link appendMessage} tells which
 * @throws the driver's error when any message fails (a `clientMessageId` already used in its session,
 *   a lost connection): then nothing of the batch is written, and each message can be retried alone
 *   with {@link appendMessage}, which tells which one failed and answers an idempotent retry.
 */
export async function appendSentMessages(run: SqlRunner, sent: readonly SentMessage[]): Promise<Array<MessageModel | null>> {
  const ids = sent.map(() => uuidv7());
  const rows = await run<MessageRow>(
    'parley_append_sent_messages',
    `WITH i AS (
       SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[])
         AS i(id, session_id, visitor_id, operator_id, content, client_message_id)
     ), locked AS MATERIALIZED (
       SELECT s.id FROM chat_session s JOIN i ON i.session_id = s.id
       WHERE s.status <> 'CLOSED' AND (s.visitor_id = i.visitor_id OR s.operator_id = i.operator_id)
       FOR UPDATE OF s SKIP LOCKED
     ), s AS (
       UPDATE chat_session c SET last_seq = c.last_seq + 1 FROM locked WHERE c.id = locked.id
       RETURNING c.id, c.last_seq
     ), m AS (
       INSERT INTO message (id, session_id, seq, sender_role, sender_operator_id, content, system_event, client_message_id, sent_at)
       SELECT i.id, s.id, s.last_seq, (CASE WHEN i.visitor_id IS NULL THEN 'OPERATOR' ELSE 'VISITOR' END)::sender_role,
         i.operator_id, i.content, NULL, i.client_message_id, now()
       FROM s JOIN i ON i.session_id = s.id
       RETURNING *
     )
     ${SELECT_MESSAGE.replace('FROM message m', 'FROM m')}`,
    [
      ids,
      sent.map((m) => m.sessionId),
      sent.map((m) => ('visitorId' in m.writer ? m.writer.visitorId : null)),
      sent.map((m) => ('operatorId' in m.writer ? m.writer.operatorId : null)),
      sent.map((m) => m.content),
      sent.map((m) => m.clientMessageId ?? null),
    ],
  );
  const stored = new Map(rows.map((row) => [row.id, toModel(row)]));
  return ids.map((id) => stored.get(id) ?? null);
}

/** Options of {@link listMessages}. */
export interface MessageWindow {
  /** Only messages with `seq > afterSeq`, oldest first. */
  afterSeq?: number | null;
  /** Only messages with `seq < beforeSeq`: the newest `limit` of them, returned oldest first (scrolling up). */
  beforeSeq?: number | null;
  limit: number;
}

/** A window of a session's history, always in ascending `seq`. */
export async function listMessages(em: EntityManager, sessionId: string, window: MessageWindow): Promise<MessageModel[]> {
  const params: unknown[] = [sessionId];
  let where = 'm.session_id = ?';
  if (window.afterSeq != null) {
    where += ' AND m.seq > ?';
    params.push(window.afterSeq);
  }
  if (window.beforeSeq != null) {
    where += ' AND m.seq < ?';
    params.push(window.beforeSeq);
  }
  const newestFirst = window.beforeSeq != null && window.afterSeq == null;
  params.push(window.limit);
  const rows = await sql<MessageRow>(
    em,
    `${SELECT_MESSAGE} WHERE ${where} ORDER BY m.seq ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
    params,
  );
  const models = rows.map(toModel);
  return newestFirst ? models.reverse() : models;
}
