import type { MessageFieldsFragment } from '@parley/graphql';

/** A stored message of a chat session, as the API sends it. */
export type ChatMessage = MessageFieldsFragment;

/** A message the operator wrote that the API has not confirmed (yet). */
export interface OutgoingMessage {
  /** Idempotency key: retries reuse it, so the API stores the message once. */
  clientMessageId: string;
  content: string;
  /** `sending`: waiting for the API; `failed`: not stored, shown with a retry (when `retryable`). */
  state: 'sending' | 'failed';
  /** Why it failed, in words for the operator. */
  error: string | null;
  /** Whether sending it again can help (false when the chat was closed). */
  retryable: boolean;
  /**
   * `failed` for a reason that may pass (`resendsByItself` of `@parley/shared`: `SERVICE_UNAVAILABLE`,
   * `RATE_LIMITED`, no answer): the console sends it again by itself, after the backoff or when the connection
   * comes back, as well as on Retry. Absent or false: only Retry sends it again.
   */
  autoRetry?: boolean;
  /** When the operator pressed send (ISO-8601). */
  createdAt: string;
}

/**
 * Merges `incoming` into `current`: one message per seq, ascending. Returns `current` itself when nothing
 * is new, so a replayed or duplicated event changes nothing (and triggers no re-render).
 */
export function mergeMessages(current: readonly ChatMessage[], incoming: readonly ChatMessage[]): readonly ChatMessage[] {
  if (incoming.length === 0) return current;
  const last = current.at(-1)?.seq ?? 0;
  // Fast path: live messages arrive in order after the last one.
  if (incoming.every((m, i) => m.seq > (i === 0 ? last : incoming[i - 1].seq))) return [...current, ...incoming];
  const bySeq = new Map<number, ChatMessage>();
  for (const m of current) bySeq.set(m.seq, m);
  let added = false;
  for (const m of incoming) {
    if (!bySeq.has(m.seq)) {
      bySeq.set(m.seq, m);
      added = true;
    }
  }
  if (!added) return current;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** One bubble of a sender group: a stored message or one of the operator's unconfirmed ones. */
export type GroupEntry = { kind: 'sent'; key: string; message: ChatMessage } | { kind: 'outgoing'; key: string; outgoing: OutgoingMessage };

/** What the message list renders, top to bottom. */
export type TimelineItem =
  | { kind: 'day'; key: string; date: string }
  | { kind: 'system'; key: string; message: ChatMessage }
  | {
      kind: 'group';
      key: string;
      role: 'VISITOR' | 'OPERATOR';
      /** Operator's name for OPERATOR groups (null for the visitor). */
      senderName: string | null;
      /** When the group's first message was sent (ISO-8601). */
      startedAt: string;
      entries: GroupEntry[];
    };

type GroupItem = Extract<TimelineItem, { kind: 'group' }>;

/** Messages from the same sender closer together than this (ms) share one header. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * Lays out a chat: day separators, system lines (joined, closed) on their own, and consecutive messages
 * of one sender within {@link GROUP_GAP_MS} grouped under one header with the sender and time.
 * The operator's unconfirmed messages come last, in the operator's group.
 */
export function buildTimeline(messages: readonly ChatMessage[], outgoing: readonly OutgoingMessage[], operatorName: string): TimelineItem[] {
  const items: TimelineItem[] = [];
  let group = null as GroupItem | null;
  let lastAt = 0;
  let day = '';
  const dayOf = (iso: string) => {
    const d = localDay(iso);
    if (d !== day) {
      day = d;
      items.push({ kind: 'day', key: `day-${d}`, date: iso });
      group = null;
    }
  };

  for (const message of messages) {
    dayOf(message.sentAt);
    const at = Date.parse(message.sentAt);
    if (message.senderRole === 'SYSTEM') {
      items.push({ kind: 'system', key: `m-${message.seq}`, message });
      group = null;
    } else {
      const current = group;
      if (current && current.role === message.senderRole && current.senderName === message.senderName && at - lastAt < GROUP_GAP_MS) {
        current.entries.push({ kind: 'sent', key: `m-${message.seq}`, message });
      } else {
        group = {
          kind: 'group',
          key: `g-${message.seq}`,
          role: message.senderRole,
          senderName: message.senderName,
          startedAt: message.sentAt,
          entries: [{ kind: 'sent', key: `m-${message.seq}`, message }],
        };
        items.push(group);
      }
    }
    lastAt = at;
  }

  for (const out of outgoing) {
    dayOf(out.createdAt);
    const current = group;
    const entry: GroupEntry = { kind: 'outgoing', key: `o-${out.clientMessageId}`, outgoing: out };
    if (current && current.role === 'OPERATOR' && current.senderName === operatorName) {
      current.entries.push(entry);
    } else {
      group = { kind: 'group', key: `go-${out.clientMessageId}`, role: 'OPERATOR', senderName: operatorName, startedAt: out.createdAt, entries: [entry] };
      items.push(group);
    }
  }
  return items;
}

/** How many visitor messages came after `lastReadSeq`. */
export function countUnread(messages: readonly ChatMessage[], lastReadSeq: number): number {
  let n = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i].seq > lastReadSeq; i--) {
    if (messages[i].senderRole === 'VISITOR') n++;
  }
  return n;
}
