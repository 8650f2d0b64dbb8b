import {
  ErrorCode,
  MAX_MESSAGE_LENGTH,
  MAX_PAGE_URL_LENGTH,
  MAX_RATING_COMMENT_LENGTH,
  MAX_VISITOR_NAME_LENGTH,
  normalizeText,
  resendsByItself,
  retryDelayMs,
} from '@parley/shared';
import { graphqlWsUrl } from '../common/config';
import type { ChatPanel, WidgetHost } from '../common/host';
import { adoptStyles } from '../common/styles';
import { identityKey, type OutboxEntry, signedIdentity, type VisitorIdentity } from '../common/visitor-store';
import {
  type ChatSessionStatus,
  CreateVisitorDocument,
  LatestSessionDocument,
  LeaveSessionDocument,
  type MessageFieldsFragment,
  RateSessionDocument,
  RenewVisitorTokenDocument,
  SendMessageDocument,
  SessionEventsDocument,
  type SessionEventsSubscription,
  SessionMessagesDocument,
  type SessionStateFragment,
  SessionStateDocument,
  SetTypingDocument,
  StartSessionDocument,
} from '../generated/graphql';
import { CHAT_CSS } from './chat.styles';
import { ChatView, type DeliveryState, type DisplayMessage, type QueueInfo } from './chat-view';
import { randomId } from './random-id';
import { localizeSystemLine, TEXTS, type ChatTexts } from './texts';
import { type ConnectionState, OperationError, ORIGIN_REFUSED, type Pending, type Transport, type TransportFactory } from './transport';

/** How many messages a history page holds (on open, and per "Show earlier messages"). */
export const HISTORY_PAGE = 50;
/** After this long without confirmation a message shows as not sent, with Retry (ms). It may still arrive. */
export const SEND_TIMEOUT_MS = 10000;
/** The visitor counts as typing this long after the last keystroke (ms). */
const TYPING_IDLE_MS = 3000;
/** While typing goes on, `setTyping(true)` is repeated at most this often (ms). */
const TYPING_REPEAT_MS = 4000;
/** An operator typing indicator without news disappears after this long (ms). */
const OPERATOR_TYPING_TTL_MS = 8000;
const MAX_INT = 2147483647;
/**
 * A restarted events subscription that has not failed for this long counts as working again (ms): the
 * notice goes and the backoff starts over. graphql-ws does not confirm a subscription, and a quiet chat
 * may send nothing for minutes, while the API refuses one it cannot serve within a few seconds (its Redis
 * client gives up a SUBSCRIBE after 3 reconnect attempts, at most 2 s apart). The first event ends it sooner.
 */
export const EVENTS_SETTLED_MS = 10000;
/** How long (ms) a page load waits for `renewVisitorToken` before connecting with the token it has. */
export const RENEW_WAIT_MS = 10000;
const STATUS_RANK: Record<ChatSessionStatus, number> = { WAITING: 0, ACTIVE: 1, CLOSED: 2 };
/**
 * The widget's own code for "the API refused the page's signed identity" (bad signature, expired, or
 * verification not configured): unlike a refused guest token, nothing is dropped; sending can be retried,
 * e.g. after the page called `Parley.identify` again with a fresh signature.
 */
export const IDENTITY_REFUSED = 'IDENTITY_REFUSED';
/**
 * The widget's own code for "`createVisitor` refused the name or e-mail given" (`BAD_USER_INPUT`, from the
 * pre-chat step or an unsigned `Parley.identify`): the visitor is asked in the pre-chat step, with the API's
 * reason under the field, and the messages written wait for it (nothing goes out under the refused values).
 */
export const PROFILE_REFUSED = 'PROFILE_REFUSED';
/**
 * Answers that a retry would not change: the session, the visitor or the input is wrong, not the moment.
 * Any other failure of live events or `resume()` (`SERVICE_UNAVAILABLE`, `RATE_LIMITED`, a transport error
 * without a code, a code this widget does not know) is retried with {@link retryDelayMs}.
 */
const FINAL_CODES: ReadonlySet<string | undefined> = new Set([
  IDENTITY_REFUSED,
  PROFILE_REFUSED,
  ORIGIN_REFUSED,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.SESSION_CLOSED,
]);

type SessionEvent = SessionEventsSubscription['sessionEvents'];

/** The visitor's current chat session as the widget knows it. */
interface SessionInfo {
  id: string;
  status: ChatSessionStatus;
  operatorName: string | null;
  operatorAway: boolean;
  position: number | null;
  estimatedWaitSeconds: number | null;
  operatorsOnline: number | null;
  resolution: string | null;
  closedBy: 'OPERATOR' | 'VISITOR' | null;
  rated: boolean;
}

/** A message the visitor sent that the API has not confirmed yet. */
interface Outgoing extends OutboxEntry {
  delivery: DeliveryState;
  op?: Pending<unknown>;
  /** The send timeout while `sending`. */
  timer?: ReturnType<typeof setTimeout>;
  /** Failed for a reason that may pass ({@link mayPass}): sent again by itself, as well as on Retry. */
  redeliver?: boolean;
}

/** What {@link ChatController} needs. */
export interface ChatControllerOptions {
  host: WidgetHost;
  transportFactory: TransportFactory;
  /** Defaults to {@link SEND_TIMEOUT_MS}. */
  sendTimeoutMs?: number;
}

function codeOf(error: unknown): string | undefined {
  return error instanceof OperationError ? error.code : undefined;
}

/** Whether live events or `resume()` should be tried again after `error` (see {@link FINAL_CODES}). */
function retryable(error: unknown): boolean {
  return !FINAL_CODES.has(codeOf(error));
}

/**
 * Whether a message refused with `error` is sent again by itself (`resendsByItself` of `@parley/shared`, the
 * console's rule too): the API said so (`SERVICE_UNAVAILABLE`, `RATE_LIMITED`), or no answer came (the
 * connection failed). Any other refusal, `INTERNAL_SERVER_ERROR` included, waits for the visitor's Retry.
 */
function mayPass(error: unknown): boolean {
  return resendsByItself(codeOf(error));
}

/**
 * The chat panel's behaviour: pre-chat step, starting and resuming the visitor's chat session, sending
 * with confirmation and retry, live events with catch-up after reconnecting (`afterSeq` = the last seq
 * received without a gap, duplicates dropped by seq), unread count, typing both ways, closing and rating.
 */
export class ChatController implements ChatPanel {
  private readonly t: ChatTexts;
  private readonly view: ChatView;
  private readonly sendTimeoutMs: number;
  private readonly removeStyles: () => void;
  private transport?: Transport;
  private stopListening?: () => void;
  private stopEvents?: () => void;
  private eventsGeneration = 0;
  private resumeGeneration = 0;
  /** The pending restart of live events or `resume()`, or the wait for a restarted subscription to settle. */
  private retryTimer?: ReturnType<typeof setTimeout>;
  /** Restarts since live events last worked or the socket last (re)connected: the `attempt` of {@link retryDelayMs}. */
  private retryAttempt = 0;
  /** The pending automatic resend of the messages that failed for a reason that may pass ({@link redeliverLater}). */
  private redeliveryTimer?: ReturnType<typeof setTimeout>;
  /** Automatic resends since a message was last stored: the `attempt` of {@link retryDelayMs}. */
  private redeliveryAttempt = 0;
  /** No automatic resend before this time (Unix ms): what a rate limit's `retryAfterSeconds` asked. */
  private redeliverNotBefore = 0;
  /** Live events failed and are being restarted: the visitor sees the connection notice meanwhile. */
  private paused = false;
  private connection: ConnectionState = 'connecting';
  private phase: 'prechat' | 'chat' | 'closed' = 'chat';
  private session: SessionInfo | null = null;
  private readonly messages = new Map<number, MessageFieldsFragment>();
  private readonly outbox = new Map<string, Outgoing>();
  /** Highest seq such that every message from the first loaded one up to it has been received. */
  private contiguousSeq = 0;
  /**
   * The current chat session's latest history page has been loaded (or it started here, with nothing before
   * its first message). Until then live events must not start: from `afterSeq` 0 they would replay the history
   * as new messages to the host page.
   */
  private historyLoaded = false;
  private firstSeq = 0;
  private hasEarlier = false;
  private loading = false;
  private visitor?: Promise<void>;
  private resumed: Promise<void> = Promise.resolve();
  private resolveResumed?: () => void;
  private starting?: Promise<boolean>;
  private typingOn = false;
  private typingSentAt = 0;
  private typingTimer?: ReturnType<typeof setTimeout>;
  private operatorTypingTimer?: ReturnType<typeof setTimeout>;
  private ratingBusy = false;
  private ratingError = false;
  private unread = -1;
  /** Incremented whenever the visitor is dropped, so late answers for the previous one are ignored. */
  private lifetime = 0;
  /** Ends a {@link renewThenConnect} in flight (its socket closed, its wait over), on a reset. */
  private cancelRenewal?: () => void;
  /**
   * The {@link identityKey} of an unsigned `Parley.identify` whose name or e-mail `createVisitor` refused:
   * while the page's identity has this key, the visitor's answer in the pre-chat step is used instead.
   */
  private refusedIdentity?: string | null;
  /** The API refuses this page's origin (`ALLOWED_ORIGINS`): chat is not available here; nothing is sent. */
  private unavailable = false;

  constructor(private readonly options: ChatControllerOptions) {
    const { host } = options;
    this.t = TEXTS[host.config.locale];
    this.sendTimeoutMs = options.sendTimeoutMs ?? SEND_TIMEOUT_MS;
    this.view = new ChatView(this.t, host.config.locale, {
      prechatSubmit: (values) => this.prechatSubmit(values),
      send: (text) => this.send(text),
      input: (text) => this.input(text),
      retry: (id) => this.retry(id),
      loadEarlier: () => void this.loadHistory(false),
      leave: () => void this.leave(),
      rate: (score, comment) => void this.rate(score, comment),
      newChat: () => this.newChat(),
      close: () => host.requestClose(),
    });
    this.removeStyles = adoptStyles(host.root, CHAT_CSS);
    while (host.panel.firstChild) host.panel.removeChild(host.panel.firstChild);
    host.panel.appendChild(this.view.element);
    this.boot();
  }

  // ---- ChatPanel (driven by the launcher) ----

  opened(): void {
    this.markRead();
    this.view.focusStart();
  }

  closed(): void {
    this.stopTyping();
  }

  reset(): void {
    this.teardown();
    this.options.host.store.clear();
    this.boot();
  }

  destroy(): void {
    this.teardown();
    this.view.element.remove();
    this.removeStyles();
  }

  // ---- start-up and connection ----

  private get store() {
    return this.options.host.store;
  }

  private boot(): void {
    const stored = this.store.read();
    for (const entry of stored.outbox ?? []) this.outbox.set(entry.clientMessageId, { ...entry, delivery: 'sending' });
    this.view.setDraft(stored.draft ?? '');
    if (stored.token) {
      this.loading = true;
      this.enterChat();
      if (halfSpent(stored.token)) this.renewThenConnect(stored.token);
      else this.openTransport(stored.token);
    } else if (this.needsPrechat() && this.outbox.size === 0) {
      this.phase = 'prechat';
      this.view.showPrechat(this.options.host.config.prechat);
    } else {
      this.enterChat();
      this.flushOutbox();
      // A signed user may have a chat from another device or browser: connect now to show it.
      if (signedIdentity(this.options.host.identity())) this.connectSigned();
    }
    this.render();
  }

  /** Creates (or resumes) the signed user's visitor at once; `resume()` then finds their open chat session. */
  private connectSigned(): void {
    this.loading = true;
    this.ensureVisitor().catch((error: unknown) => {
      this.loading = false;
      this.handleError(error);
      this.render();
    });
  }

  private needsPrechat(): boolean {
    return this.options.host.config.prechat !== 'off' && !this.options.host.identity() && !this.store.read().profile;
  }

  private enterChat(): void {
    this.phase = 'chat';
    this.view.showChat();
  }

  private openTransport(token: string): void {
    const transport = this.options.transportFactory(graphqlWsUrl(this.options.host.config.baseUrl), token);
    this.transport = transport;
    this.resumed = new Promise((resolve) => (this.resolveResumed = resolve));
    this.stopListening = transport.listen({
      state: (state) => {
        this.connection = state;
        if (state !== 'online') this.dropEvents();
        this.render();
      },
      connected: () => {
        // A fresh connection starts the backoff over: failures before it tell nothing about this one.
        this.retryAttempt = 0;
        void this.resume();
      },
      rejected: () => this.reset(),
      originRefused: () => this.originRefused(),
    });
  }

  /**
   * After each (re)connection: find or refresh the chat session (with its latest history page if that never
   * arrived), listen from the last seq, resend the outbox.
   */
  private async resume(): Promise<void> {
    const transport = this.transport;
    if (!transport) return;
    const generation = ++this.resumeGeneration;
    try {
      if (!this.session) {
        const stored = this.store.read();
        const latest = await transport.request(LatestSessionDocument, {}).result;
        if (generation !== this.resumeGeneration) return;
        const node = latest.mySessions.nodes[0];
        if (node && !this.session && (node.status !== 'CLOSED' || node.id === stored.sessionId)) this.adopt(node, false);
      } else if (this.historyLoaded) {
        const { session } = await transport.request(SessionStateDocument, { id: this.session.id }).result;
        if (generation !== this.resumeGeneration) return;
        this.applyState(session);
      }
      // Also when an earlier attempt (or connection) found the session but lost its history page: the page
      // brings the session's state too, and live events then continue from its end.
      if (this.session && !this.historyLoaded) await this.loadHistory(true);
      if (generation !== this.resumeGeneration) return;
      if (this.session && this.session.status !== 'CLOSED') this.listenEvents();
      else this.eventsWork();
      this.flushOutbox();
    } catch (error) {
      if (generation !== this.resumeGeneration) this.handleError(error);
      else if (!retryable(error)) this.giveUp(error);
      else {
        this.retryLater(() => {
          if (generation === this.resumeGeneration && this.transport === transport) void this.resume();
        });
      }
    } finally {
      this.loading = false;
      this.resolveResumed?.();
      this.render();
    }
  }

  private listenEvents(): void {
    const transport = this.transport;
    const session = this.session;
    if (!transport || !session) return;
    const restart = this.paused;
    this.dropEvents();
    const generation = this.eventsGeneration;
    if (restart) {
      // Live events count as paused until this subscription proves itself (an event, or no failure for a while).
      this.paused = true;
      this.retryTimer = setTimeout(() => this.eventsWork(), EVENTS_SETTLED_MS);
    }
    this.stopEvents = transport.subscribe(
      SessionEventsDocument,
      { sessionId: session.id, afterSeq: this.contiguousSeq },
      {
        next: (data) => {
          if (generation !== this.eventsGeneration) return;
          if (this.paused || this.retryAttempt) this.eventsWork();
          this.onEvent(data.sessionEvents);
        },
        error: (error) => {
          if (generation !== this.eventsGeneration) return;
          if (!retryable(error)) return this.giveUp(error);
          // From the last contiguous seq again: the API's catch-up with afterSeq fills what was missed meanwhile.
          this.retryLater(() => {
            if (generation === this.eventsGeneration && this.session?.status !== 'CLOSED') this.listenEvents();
          });
        },
      },
    );
  }

  /**
   * Runs `again` after {@link retryDelayMs} (the next, longer one each time until live events work again),
   * showing the connection notice meanwhile. Only while online: the reconnect path resumes by itself.
   * {@link dropEvents} cancels it (offline, teardown, another or a closed chat session).
   */
  private retryLater(again: () => void): void {
    clearTimeout(this.retryTimer);
    if (this.connection !== 'online') return;
    this.paused = true;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      again();
    }, retryDelayMs(this.retryAttempt++));
    this.render();
  }

  /**
   * Live events work (again), or their restarts ended ({@link giveUp}): the notice goes, and the next failure
   * waits the shortest backoff again.
   */
  private eventsWork(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryAttempt = 0;
    if (!this.paused) return;
    this.paused = false;
    this.render();
  }

  /**
   * A restart of live events or `resume()` ended in an answer a retry would not change: no restart is pending
   * any more, so the connection notice goes before the error is handled (which may show its own).
   */
  private giveUp(error: unknown): void {
    this.eventsWork();
    this.handleError(error);
  }

  /** Ends the live events subscription and any restart of it (or of `resume()`) that is pending. */
  private dropEvents(): void {
    this.eventsGeneration++;
    this.stopEvents?.();
    this.stopEvents = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.paused = false;
  }

  private teardown(): void {
    this.lifetime++;
    this.cancelRenewal?.();
    this.dropEvents();
    this.resumeGeneration++;
    this.stopListening?.();
    this.stopListening = undefined;
    this.transport?.dispose();
    this.transport = undefined;
    this.visitor = undefined;
    this.starting = undefined;
    this.resolveResumed?.();
    this.resumed = Promise.resolve();
    for (const entry of this.outbox.values()) {
      clearTimeout(entry.timer);
      entry.op?.cancel();
    }
    this.outbox.clear();
    clearTimeout(this.redeliveryTimer);
    this.redeliveryTimer = undefined;
    this.redeliveryAttempt = 0;
    this.redeliverNotBefore = 0;
    this.messages.clear();
    this.session = null;
    this.contiguousSeq = 0;
    this.firstSeq = 0;
    this.hasEarlier = false;
    this.loading = false;
    this.connection = 'connecting';
    this.retryAttempt = 0;
    this.unread = -1;
    this.setOperatorTyping(false);
    clearTimeout(this.typingTimer);
    this.typingOn = false;
    this.options.host.setUnread(0);
  }

  /** Reacts to an error of a request or the subscription. */
  private handleError(error: unknown): void {
    const code = codeOf(error);
    if (code === IDENTITY_REFUSED) {
      this.view.setComposerError(this.t.identityRefused);
    } else if (code === PROFILE_REFUSED) {
      this.askProfile((error as Error).message);
    } else if (code === ORIGIN_REFUSED) {
      this.originRefused();
    } else if (code === ErrorCode.UNAUTHENTICATED) {
      this.reset();
    } else if ((code === ErrorCode.NOT_FOUND || code === ErrorCode.FORBIDDEN) && this.session) {
      // The chat session is gone (or not this visitor's): start afresh, keep the visitor.
      this.dropEvents();
      this.session = null;
      this.messages.clear();
      this.contiguousSeq = 0;
      this.store.update({ sessionId: undefined, sessionOpen: false });
      this.enterChat();
      this.render();
    }
  }

  /**
   * `createVisitor` refused the name or e-mail (`reason`, the API's message: `email must be an e-mail address`,
   * several joined by `; `): the pre-chat step again, with the values given and each reason under its field.
   * The messages written stay in the outbox (and storage), not sent, until the visitor continues.
   */
  private askProfile(reason: string): void {
    if (this.phase === 'prechat') return;
    this.holdOutbox();
    const problems: { name?: string; email?: string; form?: string } = {};
    for (const part of reason.split('; ')) {
      const field = part.split(' ')[0];
      if (field === 'name' || field === 'email') problems[field] ??= part;
      else problems.form = problems.form ? `${problems.form}; ${part}` : part;
    }
    const identity = this.options.host.identity();
    const values = (identityKey(identity) === this.refusedIdentity ? identity : null) ?? this.store.read().profile ?? {};
    this.phase = 'prechat';
    this.view.showPrechat(this.options.host.config.prechat, { values, problems });
    this.render();
  }

  /**
   * The API refuses sockets from this page's origin (not in its `ALLOWED_ORIGINS`): a final notice for the
   * visitor, one console error for the site's developers, and nothing more is tried (no socket, no resend)
   * until the page is loaded again. What is stored (token, unsent messages) is kept for then.
   */
  private originRefused(): void {
    if (this.unavailable) return;
    this.unavailable = true;
    const origin = typeof location === 'undefined' ? 'this page' : location.origin;
    console.error(`Parley: the server at ${this.options.host.config.baseUrl} refuses this page's origin (${origin}): add it to ALLOWED_ORIGINS on the Parley server. Chat is not available here.`);
    this.dropEvents();
    this.resumeGeneration++;
    this.stopListening?.();
    this.stopListening = undefined;
    this.transport?.dispose();
    this.holdOutbox();
    this.loading = false;
    this.render();
  }

  /** Stops every send and resend of the outbox: its messages stay stored, not sent, and no timer sends them. */
  private holdOutbox(): void {
    clearTimeout(this.redeliveryTimer);
    this.redeliveryTimer = undefined;
    for (const entry of this.outbox.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.op?.cancel();
      entry.op = undefined;
      entry.delivery = 'failed';
      entry.redeliver = false;
    }
  }

  // ---- the chat session's state ----

  /** Takes `state` as the current chat session (a different id starts a clean conversation). */
  private adopt(state: SessionStateFragment, fresh: boolean): void {
    if (this.session?.id !== state.id) {
      this.dropEvents();
      this.messages.clear();
      this.contiguousSeq = 0;
      this.firstSeq = 0;
      this.hasEarlier = false;
      this.historyLoaded = fresh;
      this.session = {
        id: state.id,
        status: state.status,
        operatorName: null,
        operatorAway: false,
        position: null,
        estimatedWaitSeconds: null,
        operatorsOnline: null,
        resolution: null,
        closedBy: null,
        rated: false,
      };
      this.store.update({ sessionId: state.id, sessionOpen: state.status !== 'CLOSED', ...(fresh ? { lastReadSeq: 0 } : {}) });
    }
    this.applyState(state);
  }

  /** Merges a fresh look at the chat session; status only moves forward (WAITING → ACTIVE → CLOSED). */
  private applyState(state: SessionStateFragment): void {
    const session = this.session;
    if (!session || session.id !== state.id) return;
    if (STATUS_RANK[state.status] >= STATUS_RANK[session.status]) session.status = state.status;
    if (state.operator) session.operatorName = state.operator.name;
    if (session.status === 'WAITING') {
      session.position = state.queuePosition;
      session.estimatedWaitSeconds = state.estimatedWaitSeconds;
    }
    if (state.resolution !== null) session.resolution = state.resolution;
    if (state.rating) session.rated = true;
    if (session.status === 'CLOSED') this.enterClosed();
    this.render();
  }

  private refreshState(): void {
    const transport = this.transport;
    const session = this.session;
    if (!transport || !session) return;
    transport
      .request(SessionStateDocument, { id: session.id })
      .result.then(({ session: state }) => this.applyState(state))
      .catch((error: unknown) => this.handleError(error));
  }

  private onEvent(event: SessionEvent): void {
    const session = this.session;
    if (!session) return;
    switch (event.__typename) {
      case 'MessageCreated':
        this.addMessages([event.message], true);
        break;
      case 'QueuePositionChanged':
        if (session.status === 'WAITING') {
          session.position = event.position;
          session.estimatedWaitSeconds = event.estimatedWaitSeconds;
          session.operatorsOnline = event.operatorsOnline;
        }
        break;
      case 'OperatorJoined':
        if (session.status === 'WAITING') session.status = 'ACTIVE';
        session.operatorName = event.operator.name;
        break;
      case 'SessionClosed':
        session.status = 'CLOSED';
        session.closedBy = event.closedBy === 'VISITOR' ? 'VISITOR' : 'OPERATOR';
        session.resolution = event.resolution;
        this.enterClosed();
        break;
      case 'TypingChanged':
        if (event.senderRole === 'OPERATOR') this.setOperatorTyping(event.isTyping);
        break;
      case 'ParticipantPresenceChanged':
        if (event.role === 'OPERATOR') session.operatorAway = event.presence !== 'ONLINE';
        break;
    }
    this.render();
  }

  /** Adds messages (duplicates by seq are dropped); `live` ones are announced to the host page. */
  private addMessages(list: readonly MessageFieldsFragment[], live: boolean): void {
    const session = this.session;
    let outboxChanged = false;
    for (const message of list) {
      if (this.messages.has(message.seq)) continue;
      this.messages.set(message.seq, message);
      if (!this.firstSeq || message.seq < this.firstSeq) this.firstSeq = message.seq;
      while (this.messages.has(this.contiguousSeq + 1)) this.contiguousSeq++;
      const mine = message.clientMessageId ? this.outbox.get(message.clientMessageId) : undefined;
      if (mine) {
        clearTimeout(mine.timer);
        this.outbox.delete(mine.clientMessageId);
        outboxChanged = true;
      }
      if (!live || !session) continue;
      this.options.host.emit('message', { ...message, sessionId: session.id });
      if (message.senderRole === 'OPERATOR') this.setOperatorTyping(false);
      if (message.senderRole === 'SYSTEM' && session.status !== 'CLOSED') this.refreshState();
    }
    if (outboxChanged) this.persistOutbox();
    this.updateUnread();
    this.render();
  }

  private async loadHistory(initial: boolean): Promise<void> {
    const transport = this.transport;
    const session = this.session;
    if (!transport || !session || (!initial && !this.hasEarlier)) return;
    const { session: state } = await transport.request(SessionMessagesDocument, {
      id: session.id,
      beforeSeq: initial ? MAX_INT : this.firstSeq,
      first: HISTORY_PAGE,
    }).result;
    if (this.session !== session) return;
    if (initial) {
      this.historyLoaded = true;
      // The latest page is contiguous: live events continue from its end.
      const last = state.messages[state.messages.length - 1];
      this.contiguousSeq = Math.max(this.contiguousSeq, last?.seq ?? 0);
    }
    this.addMessages(state.messages, false);
    this.hasEarlier = (state.messages[0]?.seq ?? 1) > 1;
    this.applyState(state);
  }

  private enterClosed(): void {
    const session = this.session;
    if (!session) return;
    this.dropEvents();
    this.stopTyping();
    this.setOperatorTyping(false);
    session.closedBy ??= session.resolution ? 'OPERATOR' : 'VISITOR';
    for (const entry of this.outbox.values()) {
      clearTimeout(entry.timer);
      entry.op?.cancel();
      entry.delivery = 'refused';
    }
    this.store.update({ sessionOpen: false, outbox: undefined });
    const firstTime = this.phase !== 'closed';
    this.phase = 'closed';
    // A chat no operator ever joined (never accepted) has nobody to rate: the rating step is not offered.
    const askRating = session.operatorName !== null;
    this.view.showClosed({ closedBy: session.closedBy, resolution: session.resolution, rated: session.rated, askRating, ratingBusy: this.ratingBusy, ratingError: this.ratingError });
    if (firstTime && this.options.host.isOpen()) this.view.focusStart();
  }

  // ---- what the visitor does ----

  private prechatSubmit(values: VisitorIdentity): void {
    this.store.update({ profile: { name: values.name || undefined, email: values.email || undefined } });
    this.enterChat();
    this.render();
    this.view.focusStart();
    // Back here after `createVisitor` refused the profile: the messages written meanwhile go now, in order.
    if (!this.transport && !this.unavailable) for (const entry of this.outbox.values()) if (entry.delivery === 'failed') void this.deliver(entry);
  }

  private send(text: string): void {
    if (this.phase !== 'chat' || this.unavailable) return;
    const normalized = normalizeText(text, MAX_MESSAGE_LENGTH);
    if (!normalized.ok) {
      if (normalized.reason === 'too-long') this.view.setComposerError(this.t.tooLong(MAX_MESSAGE_LENGTH));
      return;
    }
    const entry: Outgoing = { clientMessageId: randomId(), content: normalized.text, createdAt: Date.now(), delivery: 'sending' };
    this.outbox.set(entry.clientMessageId, entry);
    this.persistOutbox();
    this.view.setDraft('');
    this.store.update({ draft: undefined });
    this.stopTyping();
    void this.deliver(entry);
  }

  private retry(clientMessageId: string): void {
    const entry = this.outbox.get(clientMessageId);
    if (entry && entry.delivery === 'failed' && !this.unavailable) void this.deliver(entry);
  }

  /** Sends one outbox entry (again): with `startSession` when there is no open chat session, else `sendMessage`. */
  private async deliver(entry: Outgoing): Promise<void> {
    entry.op?.cancel();
    entry.op = undefined;
    entry.delivery = 'sending';
    entry.redeliver = false;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (this.outbox.get(entry.clientMessageId) === entry && entry.delivery === 'sending') {
        entry.delivery = 'failed';
        this.render();
      }
    }, this.sendTimeoutMs);
    this.render();
    try {
      if ((!this.session || this.session.status === 'CLOSED') && (await this.startWith(entry))) {
        // startSession stored it; the event stream will bring it with its seq.
        if (this.outbox.get(entry.clientMessageId) === entry) {
          clearTimeout(entry.timer);
          entry.delivery = 'sent';
        }
        this.delivered();
        return this.render();
      }
      const session = this.session;
      if (!this.transport || !session) throw new OperationError('No chat session');
      const op = this.transport.request(SendMessageDocument, {
        input: { sessionId: session.id, content: entry.content, clientMessageId: entry.clientMessageId },
      });
      entry.op = op;
      const { sendMessage } = await op.result;
      this.delivered();
      if (this.session === session) this.addMessages([sendMessage], true);
    } catch (error) {
      this.sendFailed(entry, error);
    }
  }

  /** Starts the chat session with `entry` as its first message; false when another message is already starting it. */
  private async startWith(entry: Outgoing): Promise<boolean> {
    if (this.starting) {
      await this.starting;
      return false;
    }
    const starting = (async () => {
      await this.ensureVisitor();
      await this.resumed;
      if (this.session && this.session.status !== 'CLOSED') return false;
      const transport = this.transport;
      if (!transport) throw new OperationError('Not connected');
      const { startSession } = await transport.request(StartSessionDocument, {
        input: { content: entry.content, clientMessageId: entry.clientMessageId },
      }).result;
      if (this.transport !== transport) throw new OperationError('Visitor changed');
      this.phase = 'chat';
      this.adopt(startSession, true);
      if (startSession.status !== 'CLOSED') this.listenEvents();
      return true;
    })();
    this.starting = starting;
    try {
      return await starting;
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
  }

  /**
   * Exchanges a stored token past half its lifetime for a fresh one (`renewVisitorToken`, on a connection
   * that closes right after), stores it, and connects with it; so a returning visitor's token does not run
   * out in the middle of a chat (the API closes a socket whose token expires, and an expired token cannot be
   * renewed). Held in {@link visitor}'s place meanwhile, so a message written now waits for it instead of
   * creating another visitor. Any failure, a refused socket, or no answer within {@link RENEW_WAIT_MS},
   * connects with the stored token: still valid, the next page load asks again; refused, it is handled as
   * ever. A token past its `exp` is not sent here ({@link halfSpent}).
   */
  private renewThenConnect(token: string): void {
    const lifetime = this.lifetime;
    this.visitor = (async () => {
      const temporary = this.options.transportFactory(graphqlWsUrl(this.options.host.config.baseUrl), token);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stopListening: (() => void) | undefined;
      let next = token;
      try {
        // Ends the wait: no answer in time, the socket refused (its token, the page's origin), or a reset.
        const over = new Promise<never>((_, reject) => {
          const end = () => reject(new Error('no renewal'));
          timer = setTimeout(end, RENEW_WAIT_MS);
          stopListening = temporary.listen({ rejected: end, originRefused: end });
          this.cancelRenewal = end;
        });
        next = (await Promise.race([temporary.request(RenewVisitorTokenDocument, {}).result, over])).renewVisitorToken.token;
      } catch {
        // Connect with the stored token.
      } finally {
        clearTimeout(timer);
        stopListening?.();
        this.cancelRenewal = undefined;
        temporary.dispose();
      }
      if (this.lifetime !== lifetime) return;
      if (next !== token) this.store.update({ token: next });
      this.openTransport(next);
    })();
  }

  /** Creates the visitor (on a token-less connection that closes right after) and connects with its token. */
  private async ensureVisitor(): Promise<void> {
    if (this.transport) return;
    const lifetime = this.lifetime;
    this.visitor ??= (async () => {
      const { host } = this.options;
      const anonymous = this.options.transportFactory(graphqlWsUrl(host.config.baseUrl), undefined);
      try {
        const identity = host.identity();
        const signed = signedIdentity(identity);
        const usable = identity && identityKey(identity) !== this.refusedIdentity ? identity : null;
        const profile = usable ?? this.store.read().profile ?? {};
        // The page the visitor is on, without query or fragment (they can hold tokens and personal data).
        const page = typeof location === 'undefined' ? '' : `${location.origin}${location.pathname}`;
        const pageUrl = /^https?:/.test(page) && page.length <= MAX_PAGE_URL_LENGTH ? page : undefined;
        const input = signed
          ? { identity: signed, pageUrl, locale: host.config.locale }
          : {
              name: profile.name ? Array.from(profile.name).slice(0, MAX_VISITOR_NAME_LENGTH).join('') : undefined,
              email: profile.email || undefined,
              pageUrl,
              locale: host.config.locale,
            };
        const { createVisitor } = await anonymous
          .request(CreateVisitorDocument, { input })
          .result.catch((error: unknown) => {
            // The page's address or language refused (a host the API's URL check does not take, say): context
            // the visitor cannot change, so the visitor is created without them.
            if (codeOf(error) !== ErrorCode.BAD_USER_INPUT || !/^(pageUrl|locale)\b/.test((error as Error).message)) throw error;
            return anonymous.request(CreateVisitorDocument, { input: { ...input, pageUrl: undefined, locale: undefined } }).result;
          })
          .catch((error: unknown) => {
            const code = codeOf(error);
            if (!signed && code === ErrorCode.BAD_USER_INPUT) {
              if (usable) {
                this.refusedIdentity = identityKey(usable);
                console.warn(`Parley: Parley.identify was refused: ${(error as Error).message}. The visitor is asked in the chat instead.`);
              }
              throw new OperationError((error as Error).message, PROFILE_REFUSED);
            }
            if (!signed || (code !== ErrorCode.UNAUTHENTICATED && code !== ErrorCode.BAD_USER_INPUT)) throw error;
            // Tell the site's developers why (the visitor sees a short notice); keep everything for a retry.
            console.warn(`Parley: the signed identity was refused: ${(error as Error).message}`);
            throw new OperationError((error as Error).message, IDENTITY_REFUSED);
          });
        if (this.lifetime !== lifetime) return;
        if (signed) this.view.setComposerError(null);
        this.store.update({ token: createVisitor.token, identity: identityKey(identity), profile: undefined });
        this.openTransport(createVisitor.token);
      } finally {
        anonymous.dispose();
      }
    })();
    const visitorPromise = this.visitor;
    try {
      await visitorPromise;
    } catch (error) {
      if (this.visitor === visitorPromise) this.visitor = undefined;
      throw error;
    }
  }

  private sendFailed(entry: Outgoing, error: unknown): void {
    if (this.outbox.get(entry.clientMessageId) !== entry) return;
    clearTimeout(entry.timer);
    const code = codeOf(error);
    entry.delivery = code === ErrorCode.SESSION_CLOSED ? 'refused' : 'failed';
    if (code === ErrorCode.SESSION_CLOSED) this.refreshState();
    else if (mayPass(error)) {
      entry.redeliver = true;
      this.redeliverLater(error instanceof OperationError ? error.retryAfterMs : undefined);
    } else this.handleError(error);
    this.render();
  }

  /**
   * Messages that failed for a reason that may pass ({@link mayPass}) are sent again by themselves, with
   * their own `clientMessageId` (the API stores each once): all of them together, in the order they were
   * written, so the first starts the chat session and `seq` follows that order. After {@link retryDelayMs}
   * (the attempt counted since a message was last stored) and never before a rate limit's wait, or at once
   * when the socket reconnects ({@link flushOutbox}). They show as being retried (no Retry button) meanwhile.
   * @param notBeforeMs a rate limit's `retryAfterSeconds` in ms: no automatic resend sooner.
   */
  private redeliverLater(notBeforeMs = 0): void {
    if (notBeforeMs) this.redeliverNotBefore = Math.max(this.redeliverNotBefore, Date.now() + notBeforeMs);
    if (this.redeliveryTimer !== undefined) return;
    const wait = Math.max(retryDelayMs(this.redeliveryAttempt++), this.redeliverNotBefore - Date.now());
    this.redeliveryTimer = setTimeout(() => this.redeliver(), wait);
  }

  /**
   * Sends every message waiting for its automatic resend now, in the order written; while a rate limit's
   * wait lasts, once it is over instead. Nothing when none waits.
   */
  private redeliver(): void {
    // Cleared first: a timer left set when nothing waits (the chat closed, a new one started) would keep
    // redeliverLater from ever scheduling the next resend.
    clearTimeout(this.redeliveryTimer);
    this.redeliveryTimer = undefined;
    const waiting = [...this.outbox.values()].filter((entry) => entry.delivery === 'failed' && entry.redeliver);
    if (waiting.length === 0) return;
    const rateLimitedMs = this.redeliverNotBefore - Date.now();
    if (rateLimitedMs > 0) {
      this.redeliveryTimer = setTimeout(() => this.redeliver(), rateLimitedMs);
      return;
    }
    for (const entry of waiting) void this.deliver(entry);
  }

  /** A message was stored: the backoff starts over, and those still waiting for their resend go now. */
  private delivered(): void {
    this.redeliveryAttempt = 0;
    this.redeliver();
  }

  /**
   * Sends every restored outbox entry that is not in flight (after a reload or reconnecting), then every one
   * waiting for its automatic resend ({@link redeliver}).
   */
  private flushOutbox(): void {
    for (const entry of this.outbox.values()) {
      if (entry.delivery === 'sending' && !entry.op && entry.timer === undefined) void this.deliver(entry);
    }
    this.redeliver();
  }

  private persistOutbox(): void {
    const entries = [...this.outbox.values()]
      .filter((e) => e.delivery !== 'refused')
      .map(({ clientMessageId, content, createdAt }) => ({ clientMessageId, content, createdAt }));
    // Before there is a token, the unsent messages belong to the person the page identified: a reload that
    // identifies the same person keeps them (see the launcher's `identify`).
    const owner = entries.length && !this.store.read().token ? { identity: identityKey(this.options.host.identity()) } : {};
    this.store.update({ outbox: entries.length ? entries : undefined, ...owner });
  }

  private input(text: string): void {
    this.store.update({ draft: text || undefined });
    if (!text.trim()) return this.stopTyping();
    const session = this.session;
    if (!session || session.status === 'CLOSED' || this.connection !== 'online') return;
    const now = Date.now();
    if (!this.typingOn || now - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingOn = true;
      this.typingSentAt = now;
      this.sendTyping(true);
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (!this.typingOn) return;
    this.typingOn = false;
    this.sendTyping(false);
  }

  private sendTyping(isTyping: boolean): void {
    const session = this.session;
    if (!this.transport || !session || this.connection !== 'online') return;
    this.transport.request(SetTypingDocument, { sessionId: session.id, isTyping }).result.catch(() => undefined);
  }

  private setOperatorTyping(isTyping: boolean): void {
    clearTimeout(this.operatorTypingTimer);
    if (isTyping) this.operatorTypingTimer = setTimeout(() => this.setOperatorTyping(false), OPERATOR_TYPING_TTL_MS);
    this.view.setTyping(isTyping ? (this.session?.operatorName ?? this.t.operatorFallbackName) : null);
  }

  private async leave(): Promise<void> {
    const session = this.session;
    if (!this.transport || !session || session.status === 'CLOSED') return;
    try {
      const { closeSession } = await this.transport.request(LeaveSessionDocument, { sessionId: session.id }).result;
      session.closedBy ??= 'VISITOR';
      this.applyState(closeSession);
    } catch (error) {
      if (codeOf(error) === ErrorCode.SESSION_CLOSED) this.refreshState();
      else this.view.setComposerError(this.t.startFailed);
    }
  }

  private async rate(score: number, rawComment: string): Promise<void> {
    const session = this.session;
    if (!this.transport || !session || session.rated || this.ratingBusy) return;
    const comment = normalizeText(rawComment, MAX_RATING_COMMENT_LENGTH);
    this.ratingBusy = true;
    this.ratingError = false;
    try {
      await this.transport.request(RateSessionDocument, { sessionId: session.id, score, comment: comment.ok ? comment.text : null }).result;
      session.rated = true;
    } catch (error) {
      this.ratingError = true;
      if (codeOf(error) === ErrorCode.BAD_USER_INPUT) this.refreshState();
    } finally {
      this.ratingBusy = false;
    }
    if (this.session !== session) return;
    this.enterClosed();
    this.view.focusStart();
  }

  private newChat(): void {
    if (this.phase !== 'closed') return;
    this.dropEvents();
    this.session = null;
    this.messages.clear();
    this.outbox.clear();
    this.contiguousSeq = 0;
    this.firstSeq = 0;
    this.hasEarlier = false;
    this.ratingError = false;
    this.store.update({ sessionId: undefined, sessionOpen: false, lastReadSeq: 0, outbox: undefined });
    this.enterChat();
    this.render();
    this.view.focusStart();
  }

  // ---- unread count and rendering ----

  private markRead(): void {
    let max = 0;
    for (const seq of this.messages.keys()) max = Math.max(max, seq);
    if (max > (this.store.read().lastReadSeq ?? 0)) this.store.update({ lastReadSeq: max });
    this.setUnread(0);
  }

  private updateUnread(): void {
    if (this.options.host.isOpen()) return this.markRead();
    const lastRead = this.store.read().lastReadSeq ?? 0;
    let count = 0;
    for (const m of this.messages.values()) if (m.senderRole === 'OPERATOR' && m.seq > lastRead) count++;
    this.setUnread(count);
  }

  private setUnread(count: number): void {
    if (count === this.unread) return;
    this.unread = count;
    this.options.host.setUnread(count);
    this.options.host.emit('unread', count);
  }

  private render(): void {
    const session = this.session;
    const t = this.t;
    // Live events paused (failing and being restarted) read to the visitor as a lost connection: no news arrives.
    this.view.setNotice(this.unavailable ? t.unavailable : this.transport && (this.connection === 'offline' || this.paused) ? t.connectionLost : null);
    const status = session?.status;
    this.view.setSubtitle(
      status === 'WAITING'
        ? t.subtitleWaiting
        : status === 'ACTIVE'
          ? (session!.operatorAway ? t.subtitleOperatorAway : t.subtitleOperator)(session!.operatorName ?? t.operatorFallbackName)
          : t.subtitleIdle,
    );
    this.view.setCanLeave(this.phase === 'chat' && !!session && status !== 'CLOSED');
    let queue: QueueInfo | null = null;
    if (this.phase === 'chat' && session && status === 'WAITING') {
      queue = {
        position: session.position,
        estimatedWaitSeconds: session.estimatedWaitSeconds,
        noOperator: session.operatorsOnline === 0 || (session.estimatedWaitSeconds === null && session.position !== null),
      };
    }
    this.view.setQueue(queue);
    this.view.setHasEarlier(this.hasEarlier && this.phase !== 'prechat');
    this.view.setMessages(this.displayMessages(), this.loading);
  }

  private displayMessages(): DisplayMessage[] {
    const list: DisplayMessage[] = [];
    const seqs = [...this.messages.keys()].sort((a, b) => a - b);
    for (const seq of seqs) {
      const m = this.messages.get(seq)!;
      list.push({
        key: m.senderRole === 'VISITOR' && m.clientMessageId ? `c${m.clientMessageId}` : `s${m.seq}`,
        role: m.senderRole,
        author: m.senderName,
        text: m.senderRole === 'SYSTEM' ? localizeSystemLine(m.content, this.t) : m.content,
        at: new Date(m.sentAt),
        delivery: m.senderRole === 'VISITOR' ? 'sent' : undefined,
      });
    }
    const pending = [...this.outbox.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const e of pending) {
      list.push({ key: `c${e.clientMessageId}`, role: 'VISITOR', author: null, text: e.content, at: new Date(e.createdAt), delivery: e.delivery === 'failed' && e.redeliver ? 'retrying' : e.delivery, retryId: this.unavailable ? undefined : e.clientMessageId });
    }
    return list;
  }
}

/**
 * Whether a guest token (a JWT, RFC 7519) has used more than half its lifetime and is not past its end, by its
 * own `iat` and `exp` (seconds), read without verifying it (the API does). False for anything that is not such
 * a token, and for one past `exp` (the API would refuse to renew it: the widget connects and is refused at once).
 */
export function halfSpent(token: string, nowMs = Date.now()): boolean {
  try {
    const base64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const { iat, exp } = JSON.parse(atob(base64)) as { iat?: unknown; exp?: unknown };
    return typeof iat === 'number' && typeof exp === 'number' && exp > iat && nowMs / 1000 > iat + (exp - iat) / 2 && nowMs / 1000 < exp;
  } catch {
    return false;
  }
}
