import { computed, signal } from '@angular/core';
import {
  ChatSessionHistoryDocument,
  type ChatSessionHistoryQuery,
  type ChatSessionFieldsFragment,
  CloseSessionDocument,
  type Presence,
  SendMessageDocument,
  type SenderRole,
  SessionEventsDocument,
  type SessionEventsSubscription,
  SetTypingDocument,
} from '@parley/graphql';
import { ErrorCode, MAX_MESSAGE_LENGTH, MAX_PAGE_SIZE, normalizeText, resendsByItself, retryDelayMs } from '@parley/shared';
import { Subscription } from 'rxjs';
import type { GraphqlService } from '../core/graphql.service';
import { newClientMessageId } from '../core/ids';
import { LiveSubscription, type LiveSubscriptionOptions } from '../core/live-subscription';
import { RequestError, toRequestError } from '../core/request-error';
import { readStored, writeStored } from '../core/storage';
import { visitorLabel } from '../core/format';
import { type ChatMessage, type OutgoingMessage, countUnread, mergeMessages } from './timeline';

/** Messages loaded per history page (first load and each scroll up). */
export const HISTORY_PAGE_SIZE = 50;
/** A visitor "typing…" with no update for this long (ms) is considered stopped. */
export const VISITOR_TYPING_TIMEOUT_MS = 8_000;
/** The operator counts as no longer typing after this long (ms) without a keystroke. */
export const TYPING_IDLE_MS = 3_000;
/** While the operator keeps typing, "typing" is re-sent this often (ms) so the visitor's side does not expire it. */
export const TYPING_REFRESH_MS = 4_000;
/**
 * A resubscribed `sessionEvents` stream that stays open this long (ms) without failing counts as live again
 * even when nothing happened in the chat meanwhile (the stream sends nothing then). The API fails a
 * subscription it cannot serve well within that: ioredis gives up on an unreachable Redis after three
 * reconnection attempts (0.2 + 0.4 + 0.6 s), PostgreSQL refuses or drops connections at once. What happened
 * while the stream was away is re-read with the chat on every resubscription (`refresh`).
 */
export const STREAM_SETTLE_MS = 3_000;
/**
 * A `sendMessage` not answered within this long (ms) counts as not answered at all (`RequestError.network`):
 * shown as not sent and sent again by itself with the same `clientMessageId`, so a request that hangs (an
 * HTTP connection that neither answers nor fails) does not hold the chat's later messages, which go out one
 * at a time behind it, for as long as the browser waits. The API stores a `clientMessageId` at most once, so
 * a resend of a message the hung request did store returns that message. The widget waits 10 s; the
 * console's sends go over HTTP, through whatever proxy the company runs, so it waits longer.
 */
export const SEND_TIMEOUT_MS = 15_000;
/** Largest GraphQL `Int`: `beforeSeq` for "the latest page". */
const LATEST = 2_147_483_647;

/** What a chat session store needs from the console. */
export interface ChatSessionStoreDeps {
  graphql: Pick<GraphqlService, 'query' | 'mutate' | 'subscribe'>;
  connection: LiveSubscriptionOptions<unknown>['connection'];
  /** The signed-in operator (names the operator's own messages; keys what is stored locally). */
  operator: { id: string; name: string };
}

/** What the console keeps in `localStorage` per chat session, so nothing typed is lost on reload. */
interface StoredChat {
  draft?: string;
  outbox?: OutgoingMessage[];
  lastReadSeq?: number;
}

type SessionEvent = SessionEventsSubscription['sessionEvents'];

/** Why `send` refused the text. */
export type SendRefusal = 'empty' | 'too-long' | 'closed';

/**
 * One chat session as the console shows it: its fields, a contiguous window of its messages (latest page
 * first, older pages on demand), the operator's unconfirmed messages, typing and presence of the visitor,
 * unread count, draft. In `live` mode it follows `sessionEvents` from the last seq it has, so after any
 * interruption it catches up with `afterSeq` — nothing missing, nothing doubled (messages merge by seq).
 */
export class ChatSessionStore {
  /** The chat session's fields; `null` until first loaded when opened by id only. */
  readonly session = signal<ChatSessionFieldsFragment | null>(null);
  /** The visitor's rating of the closed chat (score 1–5, optional comment), as last read with the history; null when none yet. */
  readonly rating = signal<NonNullable<ChatSessionHistoryQuery['session']['rating']> | null>(null);
  /** Stored messages, ascending seq, without gaps between the first and the last. */
  readonly messages = signal<readonly ChatMessage[]>([]);
  /**
   * The operator's messages not confirmed by the API, in the order written. They go out one at a time in
   * that order, so none is stored before an earlier one still sending; one that failed for a reason that may
   * pass (`autoRetry`) is sent again by itself, and those after it wait for it (see {@link send}). One that
   * failed for good, or waits for Retry, is passed by those written after it.
   */
  readonly outgoing = signal<readonly OutgoingMessage[]>([]);
  readonly loaded = signal(false);
  /** Why loading failed, or `null`. */
  readonly loadError = signal<string | null>(null);
  readonly loadingOlder = signal(false);
  /** The visitor is typing. */
  readonly visitorTyping = signal(false);
  /**
   * The visitor's presence (ONLINE while a widget of theirs is connected): read with the chat
   * (`ChatSession.visitorPresence`), then kept current by `ParticipantPresenceChanged` events; `null` while
   * unknown (not loaded yet, or a transcript).
   */
  readonly visitorPresence = signal<Presence | null>(null);
  /** Who closed the chat, when it was closed while the console watched. */
  readonly closedBy = signal<SenderRole | null>(null);
  /** Set when the API refused the live stream for good (e.g. the chat belongs to someone else now). */
  readonly streamError = signal<string | null>(null);
  /**
   * Since when (Unix ms) the live stream has been retried after it failed with an error that may pass (e.g.
   * `SERVICE_UNAVAILABLE` while the API cannot reach Redis or PostgreSQL): the chat shown may miss messages.
   * `null` once an event has come or the new stream stayed open {@link STREAM_SETTLE_MS}, while not following
   * (a transcript, a closed chat), and after a final refusal ({@link streamError} then).
   */
  readonly retryingSince = computed(() => this.live()?.retryingSince() ?? null);
  /** The highest seq the operator has seen. */
  readonly lastReadSeq = signal(0);
  /** The composer's text. */
  readonly draft = signal('');

  readonly visitorName = computed(() => {
    const session = this.session();
    return session ? visitorLabel(session.visitor) : 'Visitor';
  });
  readonly closed = computed(() => this.session()?.status === 'CLOSED');
  /** There are stored messages before the first loaded one. */
  readonly hasOlder = computed(() => (this.messages()[0]?.seq ?? 1) > 1);
  /** Visitor messages the operator has not seen yet. */
  readonly unread = computed(() => countUnread(this.messages(), this.lastReadSeq()));
  readonly lastMessage = computed(() => this.messages().at(-1) ?? null);

  /** The live stream while following the chat. */
  private readonly live = signal<LiveSubscription<SessionEventsSubscription> | undefined>(undefined);
  /** Seq the live stream resumes after: the end of what was received contiguously (history or stream). */
  private resumeSeq = 0;
  private visitorTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  private typingSentAt = 0;
  private destroyed = false;
  /** Counts presence events, so a read that started before one does not overwrite it with an older value. */
  private presenceEvents = 0;
  private readonly storageKey: string;
  /** The pending automatic resend of the messages waiting for it ({@link scheduleResend}). */
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  /** Automatic resends since a message was last stored: the `attempt` of `retryDelayMs` (`@parley/shared`). */
  private resendAttempt = 0;
  /** No automatic resend before this time (Unix ms): what a rate limit's `retryAfterSeconds` asked. */
  private resendNotBefore = 0;
  /** {@link pump} is sending the queue (one message in flight at a time). */
  private pumping = false;
  /** Reconnections of the console's socket, which send the waiting messages at once. */
  private readonly connectionWatch = new Subscription();

  constructor(
    private readonly deps: ChatSessionStoreDeps,
    /** The chat session's id. */
    readonly id: string,
    initial: ChatSessionFieldsFragment | null,
    /** Follow live events (an active chat) or only show the history (a transcript). */
    readonly liveMode: boolean,
  ) {
    this.session.set(initial);
    this.storageKey = `chat.${deps.operator.id}.${id}`;
    const stored = readStored<StoredChat>(this.storageKey, {});
    this.draft.set(typeof stored.draft === 'string' ? stored.draft : '');
    this.lastReadSeq.set(typeof stored.lastReadSeq === 'number' ? stored.lastReadSeq : 0);
    if (Array.isArray(stored.outbox)) {
      // A message still "sending" when the page went away has an unknown fate: offer a retry
      // (the clientMessageId makes it safe) until the history shows it arrived. Nothing restored is sent
      // by itself, not even one that was waiting for its automatic resend: the page may have been closed
      // for hours, and whether an old reply still fits the conversation is the operator's call (Retry).
      this.outgoing.set(
        stored.outbox.map((o) =>
          o.state === 'sending'
            ? { ...o, state: 'failed', error: 'Not confirmed before the page was closed', retryable: true, autoRetry: false }
            : { ...o, autoRetry: false },
        ),
      );
    }
    if (liveMode) {
      const now = () => this.sendDue(false);
      this.connectionWatch.add(deps.connection.reconnected$.subscribe(now));
      this.connectionWatch.add(deps.connection.retryNow$.subscribe(now));
    }
  }

  /** Loads the latest page of history, then (live mode) follows the chat's events. */
  async start(): Promise<void> {
    await this.loadLatest();
    if (!this.loaded() || this.destroyed || !this.liveMode || this.live()) return;
    const live = new LiveSubscription<SessionEventsSubscription>({
      connection: this.deps.connection,
      open: () => this.deps.graphql.subscribe(SessionEventsDocument, { sessionId: this.id, afterSeq: this.resumeSeq }),
      next: (data) => this.onEvent(data.sessionEvents),
      resumed: () => void this.refresh(),
      failed: (error) => this.streamError.set(error.message),
      settleMs: STREAM_SETTLE_MS,
    });
    this.live.set(live);
    live.start();
  }

  /** Tries the first load again (after it failed). */
  async retryLoad(): Promise<void> {
    if (!this.loaded()) await this.start();
  }

  /**
   * Re-reads the chat session's fields and any messages after the resume point — what has no replay
   * (status, resolution) after a connection loss.
   * @returns whether the API answered (the chat shown is as read now).
   */
  async refresh(): Promise<boolean> {
    if (!this.loaded()) {
      await this.retryLoad();
      return this.loaded();
    }
    try {
      const events = this.presenceEvents;
      const { session } = await this.deps.graphql.query(ChatSessionHistoryDocument, {
        id: this.id,
        afterSeq: this.resumeSeq,
        first: MAX_PAGE_SIZE,
        withPresence: this.liveMode,
      });
      const { messages, visitorPresence, rating, ...fields } = session;
      this.session.set(fields);
      this.rating.set(rating ?? null);
      this.takePresence(visitorPresence, events);
      if (messages.length > 0 && messages[0].seq === this.resumeSeq + 1) this.resumeSeq = messages[messages.length - 1].seq;
      this.acceptMessages(messages);
      if (fields.status === 'CLOSED') this.endLive();
      // The API answered again (this runs after each resubscription of the live stream): the waiting messages
      // go now, unless a rate limit's wait lasts.
      else this.sendDue(false);
      return true;
    } catch {
      // The live stream's own retry covers messages; fields are re-read on the next reconnection.
      return false;
    }
  }

  /** Loads the page of messages before the first loaded one (scrolling up). */
  async loadOlder(): Promise<void> {
    const first = this.messages()[0];
    if (!first || first.seq <= 1 || this.loadingOlder()) return;
    this.loadingOlder.set(true);
    try {
      const { session } = await this.deps.graphql.query(ChatSessionHistoryDocument, { id: this.id, beforeSeq: first.seq, first: HISTORY_PAGE_SIZE });
      this.acceptMessages(session.messages);
    } catch (error) {
      this.loadError.set(`Could not load older messages: ${toRequestError(error).message}`);
    } finally {
      this.loadingOlder.set(false);
    }
  }

  /** Updates the draft (kept across reloads) and tells the visitor the operator is typing. */
  setDraft(text: string): void {
    this.draft.set(text);
    this.persist();
    if (this.closed() || !this.liveMode) return;
    clearTimeout(this.typingIdleTimer);
    if (text.trim().length === 0) {
      if (this.typingSentAt) this.sendTyping(false);
      return;
    }
    if (!this.typingSentAt || Date.now() - this.typingSentAt >= TYPING_REFRESH_MS) this.sendTyping(true);
    this.typingIdleTimer = setTimeout(() => this.sendTyping(false), TYPING_IDLE_MS);
  }

  /**
   * Sends a message: it appears at once as "sending", becomes a stored message when the API confirms,
   * or stays as "failed" with a retry. Messages go out one at a time in the order written. One refused for
   * a reason that may pass (`resendsByItself` of `@parley/shared`: `SERVICE_UNAVAILABLE`, `RATE_LIMITED`, or
   * no answer) is `autoRetry`: sent again by itself with the same `clientMessageId` after `retryDelayMs`
   * (1 s doubling to 30 s, jittered; never before a rate limit's `retryAfterSeconds`), at once when the
   * console's connection comes back, when the chat is re-read after its stream came back, and when the
   * operator writes another message (which then goes after it). Other refusals (`INTERNAL_SERVER_ERROR`)
   * wait for Retry, or are final (`BAD_USER_INPUT`, `SESSION_CLOSED`, `FORBIDDEN`, …).
   * @returns why the text was refused, or `null` when it went out.
   */
  send(text: string): SendRefusal | null {
    if (this.closed()) return 'closed';
    const checked = normalizeText(text, MAX_MESSAGE_LENGTH);
    if (!checked.ok) return checked.reason;
    const outgoing: OutgoingMessage = {
      clientMessageId: newClientMessageId(),
      content: checked.text,
      state: 'sending',
      error: null,
      retryable: true,
      createdAt: new Date().toISOString(),
    };
    this.outgoing.update((list) => [...list, outgoing]);
    this.draft.set('');
    clearTimeout(this.typingIdleTimer);
    if (this.typingSentAt) this.sendTyping(false);
    this.persist();
    this.sendDue(false);
    return null;
  }

  /**
   * Sends a failed message again now with the same `clientMessageId` (the API stores it at most once),
   * after every earlier one waiting for its automatic resend (those go now too, even while a rate limit's
   * wait lasts: the operator asked).
   */
  retry(clientMessageId: string): void {
    if (this.outgoing().find((o) => o.clientMessageId === clientMessageId)?.state !== 'failed') return;
    this.updateOutgoing(clientMessageId, { state: 'sending', error: null, autoRetry: false });
    this.sendDue(true);
  }

  /** Drops a failed message (the operator gave up on it). */
  discard(clientMessageId: string): void {
    this.outgoing.update((list) => list.filter((o) => o.clientMessageId !== clientMessageId));
    this.persist();
  }

  /** Marks everything loaded as seen. */
  markRead(): void {
    const last = this.lastMessage()?.seq ?? 0;
    if (last > this.lastReadSeq()) {
      this.lastReadSeq.set(last);
      this.persist();
    }
  }

  /**
   * Closes the chat session with a resolution. @throws RequestError (BAD_USER_INPUT, FORBIDDEN, …);
   * `SESSION_CLOSED` counts as done (the visitor closed it first). A close that got no answer
   * (`RequestError.network`) may have been done all the same (the request reached the API, its answer was
   * lost): the chat is read again, and counts as done when it is closed; otherwise (or when the read gets no
   * answer either) the failure is thrown.
   */
  async close(resolution: string): Promise<void> {
    try {
      const { closeSession } = await this.deps.graphql.mutate(CloseSessionDocument, { sessionId: this.id, resolution });
      this.session.set(closeSession);
      this.closedBy.set('OPERATOR');
    } catch (error) {
      const failure = toRequestError(error);
      if (failure.code === ErrorCode.SESSION_CLOSED) {
        await this.refresh();
      } else if (failure.network) {
        if (!(await this.refresh()) || !this.closed()) throw failure;
        // Closed with this resolution: this close was done (the visitor closing meanwhile leaves none).
        if (this.session()?.resolution === resolution) this.closedBy.set('OPERATOR');
      } else {
        throw failure;
      }
    }
    this.endLive();
  }

  /** Stops following the chat and all timers (the automatic resend's too). */
  destroy(): void {
    this.destroyed = true;
    this.connectionWatch.unsubscribe();
    this.endLive();
  }

  private endLive(): void {
    this.live()?.stop();
    this.live.set(undefined);
    this.stopResending();
    clearTimeout(this.visitorTypingTimer);
    clearTimeout(this.typingIdleTimer);
    this.visitorTyping.set(false);
  }

  private async loadLatest(): Promise<void> {
    this.loadError.set(null);
    try {
      const events = this.presenceEvents;
      const { session } = await this.deps.graphql.query(ChatSessionHistoryDocument, {
        id: this.id,
        beforeSeq: LATEST,
        first: HISTORY_PAGE_SIZE,
        withPresence: this.liveMode,
      });
      const { messages, visitorPresence, rating, ...fields } = session;
      this.session.set(fields);
      this.rating.set(rating ?? null);
      this.takePresence(visitorPresence, events);
      this.resumeSeq = Math.max(this.resumeSeq, messages.at(-1)?.seq ?? 0);
      this.acceptMessages(messages);
      this.loaded.set(true);
    } catch (error) {
      this.loadError.set(toRequestError(error).message);
    }
  }

  private onEvent(event: SessionEvent): void {
    switch (event.__typename) {
      case 'MessageCreated':
        this.resumeSeq = Math.max(this.resumeSeq, event.message.seq);
        this.acceptMessages([event.message]);
        if (event.message.senderRole === 'VISITOR') this.setVisitorTyping(false);
        return;
      case 'TypingChanged':
        if (event.senderRole === 'VISITOR') this.setVisitorTyping(event.isTyping);
        return;
      case 'ParticipantPresenceChanged':
        if (event.role === 'VISITOR') {
          this.presenceEvents++;
          this.visitorPresence.set(event.presence);
        }
        return;
      case 'SessionClosed':
        this.session.update((s) => (s ? { ...s, status: 'CLOSED', closedAt: event.closedAt, resolution: event.resolution } : s));
        this.closedBy.set(event.closedBy);
        this.endLive();
        return;
      case 'OperatorJoined':
        this.session.update((s) => (s ? { ...s, operator: event.operator } : s));
        return;
      case 'QueuePositionChanged':
        return;
    }
  }

  /**
   * Takes the visitor's presence read with the chat, unless a presence event arrived after the read began
   * (`eventsBefore` = {@link presenceEvents} then): that event is newer.
   */
  private takePresence(presence: Presence | undefined, eventsBefore: number): void {
    if (presence !== undefined && this.presenceEvents === eventsBefore) this.visitorPresence.set(presence);
  }

  /** Merges stored messages and retires the outgoing ones they confirm. */
  private acceptMessages(messages: readonly ChatMessage[]): void {
    const merged = mergeMessages(this.messages(), messages);
    if (merged !== this.messages()) this.messages.set(merged);
    const confirmed = new Set(messages.map((m) => m.clientMessageId).filter((id): id is string => id != null));
    if (confirmed.size > 0 && this.outgoing().some((o) => confirmed.has(o.clientMessageId))) {
      this.outgoing.update((list) => list.filter((o) => !confirmed.has(o.clientMessageId)));
      this.persist();
    }
    const last = merged.at(-1);
    if (last && this.session() && last.seq > (this.session()?.lastSeq ?? 0)) {
      this.session.update((s) => (s ? { ...s, lastSeq: last.seq } : s));
    }
  }

  /**
   * Sends what is due: every message waiting for its automatic resend joins the queue again (unless a rate
   * limit's wait lasts and `force` is false: then a timer sends them when it ends, and what was written
   * after them waits with them), then {@link pump} sends the queue in order.
   * @param force the operator asked (Retry): a rate limit's wait does not hold the resend back.
   */
  private sendDue(force: boolean): void {
    // A transcript too: nothing there waits for an automatic resend, but what Retry set `sending` must go.
    if (this.destroyed) return;
    clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
    if (this.outgoing().some(waitsForResend)) {
      const rateLimitedMs = this.resendNotBefore - Date.now();
      if (!force && rateLimitedMs > 0) {
        this.resendTimer = setTimeout(() => this.sendDue(false), rateLimitedMs);
        this.holdBehindWaiting();
        return;
      }
      this.outgoing.update((list) => list.map((o) => (waitsForResend(o) ? { ...o, state: 'sending', error: null, autoRetry: false } : o)));
      this.persist();
    }
    void this.pump();
  }

  /**
   * Sends the queued (`sending`) messages one at a time, in the order written, each after the previous
   * one's answer, so the API stores them in that order. Stops at a message waiting for its automatic
   * resend: nothing written after it may be stored before it.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const next = this.outgoing().find((o) => o.state === 'sending' || waitsForResend(o));
        if (this.destroyed || !next || next.state !== 'sending') break;
        await this.deliver(next.clientMessageId);
      }
    } finally {
      this.pumping = false;
    }
    this.holdBehindWaiting();
  }

  /** Sends one message; afterwards it is stored (and gone from {@link outgoing}) or `failed`. */
  private async deliver(clientMessageId: string): Promise<void> {
    const outgoing = this.outgoing().find((o) => o.clientMessageId === clientMessageId);
    if (!outgoing) return;
    this.updateOutgoing(clientMessageId, { state: 'sending', error: null, autoRetry: false });
    try {
      const { sendMessage } = await answeredWithin(
        this.deps.graphql.mutate(SendMessageDocument, { input: { sessionId: this.id, content: outgoing.content, clientMessageId } }),
        SEND_TIMEOUT_MS,
      );
      this.acceptMessages([sendMessage]);
      if (this.outgoing().some((o) => o.clientMessageId === clientMessageId)) {
        this.outgoing.update((list) => list.filter((o) => o.clientMessageId !== clientMessageId));
        this.persist();
      }
      // Stored: the backoff starts over, and messages still waiting for their resend go now, after this one.
      this.resendAttempt = 0;
      this.sendDue(false);
    } catch (error) {
      const failure = toRequestError(error);
      // `network`: the API itself did not answer (a proxy's 502 included), which may pass like no answer at all.
      // An answer with no code that is not that (a proxy's 4xx without a GraphQL body) is not one: it waits for Retry.
      const mayPass = failure.network || (failure.code !== undefined && resendsByItself(failure.code));
      const autoRetry = !this.destroyed && this.liveMode && !this.closed() && mayPass;
      this.updateOutgoing(clientMessageId, { state: 'failed', ...describeSendFailure(failure), autoRetry });
      if (autoRetry) this.scheduleResend(failure.retryAfterSeconds);
      if (failure.code === ErrorCode.SESSION_CLOSED) void this.refresh();
    }
  }

  /**
   * Sends the messages waiting for their automatic resend after `retryDelayMs(attempt)` (ms, the attempt
   * counted since a message was last stored), or once a rate limit's wait is over if that is later. One
   * timer per chat: nothing is scheduled while one is pending.
   * @param retryAfterSeconds the refusal's `retryAfterSeconds` (seconds): no automatic resend sooner.
   */
  private scheduleResend(retryAfterSeconds: number | undefined): void {
    if (retryAfterSeconds) this.resendNotBefore = Math.max(this.resendNotBefore, Date.now() + retryAfterSeconds * 1000);
    if (this.resendTimer !== undefined || this.destroyed) return;
    const wait = Math.max(retryDelayMs(this.resendAttempt++), this.resendNotBefore - Date.now());
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      this.sendDue(false);
    }, wait);
  }

  /**
   * Messages queued behind one waiting for its automatic resend wait with it: shown as not sent (its
   * reason) and resent after it. Not while {@link pump} runs: it sends the queue itself.
   */
  private holdBehindWaiting(): void {
    if (this.pumping) return;
    const list = this.outgoing();
    const first = list.findIndex(waitsForResend);
    if (first < 0 || !list.some((o, i) => i > first && o.state === 'sending')) return;
    const { error } = list[first];
    this.outgoing.set(list.map((o, i) => (i > first && o.state === 'sending' ? { ...o, state: 'failed', error, retryable: true, autoRetry: true } : o)));
    this.persist();
  }

  /** No more automatic resends (the chat closed, or the store is going away); Retry still works. */
  private stopResending(): void {
    clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
    if (this.outgoing().some(waitsForResend)) {
      this.outgoing.update((list) => list.map((o) => (waitsForResend(o) ? { ...o, autoRetry: false } : o)));
      this.persist();
    }
  }

  private updateOutgoing(clientMessageId: string, change: Partial<OutgoingMessage>): void {
    this.outgoing.update((list) => list.map((o) => (o.clientMessageId === clientMessageId ? { ...o, ...change } : o)));
    this.persist();
  }

  private setVisitorTyping(typing: boolean): void {
    clearTimeout(this.visitorTypingTimer);
    this.visitorTyping.set(typing);
    if (typing) this.visitorTypingTimer = setTimeout(() => this.visitorTyping.set(false), VISITOR_TYPING_TIMEOUT_MS);
  }

  private sendTyping(isTyping: boolean): void {
    this.typingSentAt = isTyping ? Date.now() : 0;
    if (!isTyping) clearTimeout(this.typingIdleTimer);
    this.deps.graphql.mutate(SetTypingDocument, { sessionId: this.id, isTyping }).catch(() => {
      // Typing is a hint; a lost one expires on the visitor's side.
    });
  }

  private persist(): void {
    const outbox = this.outgoing();
    const stored: StoredChat = { draft: this.draft() || undefined, outbox: outbox.length ? [...outbox] : undefined, lastReadSeq: this.lastReadSeq() || undefined };
    writeStored(this.storageKey, stored.draft || stored.outbox || stored.lastReadSeq ? stored : null);
  }
}

/**
 * `request`'s answer, or, when none came within `ms` (ms), a {@link RequestError} with `network: true` (the
 * request itself is left to finish or fail unheard).
 */
function answeredWithin<T>(request: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestError(`No answer from the server within ${ms / 1000} s`, undefined, true)), ms);
  });
  return Promise.race([request, late]).finally(() => clearTimeout(timer));
}

/** Failed for a reason that may pass: waiting to be sent again by itself. */
function waitsForResend(o: OutgoingMessage): boolean {
  return o.state === 'failed' && o.autoRetry === true;
}

/** Words and retry advice for a failed `sendMessage`. */
export function describeSendFailure(failure: RequestError): Pick<OutgoingMessage, 'error' | 'retryable'> {
  if (failure.network) return { error: 'Not sent: no connection to the server', retryable: true };
  switch (failure.code ?? '') {
    case ErrorCode.SESSION_CLOSED:
      return { error: 'Not sent: the chat is closed', retryable: false };
    case ErrorCode.RATE_LIMITED:
      return { error: 'Not sent: too many messages, try again in a moment', retryable: true };
    case ErrorCode.SERVICE_UNAVAILABLE:
      return { error: 'Not sent: the server is briefly unavailable', retryable: true };
    case ErrorCode.FORBIDDEN:
      return { error: 'Not sent: this chat is no longer assigned to you', retryable: false };
    case ErrorCode.BAD_USER_INPUT:
      return { error: `Not sent: ${failure.message}`, retryable: false };
    default:
      return { error: `Not sent: ${failure.message}`, retryable: true };
  }
}
