import { DestroyRef, Injectable, type Signal, computed, inject, signal } from '@angular/core';
import {
  AcceptSessionDocument,
  type ChatSessionFieldsFragment,
  ChatSessionHistoryDocument,
  QueueUpdatedDocument,
  type QueueUpdatedSubscription,
} from '@parley/graphql';
import { ErrorCode } from '@parley/shared';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { visitorLabel } from '../core/format';
import { GraphqlService } from '../core/graphql.service';
import { LiveSubscription } from '../core/live-subscription';
import { NotifierService } from '../core/notifier.service';
import { type RequestError, toRequestError } from '../core/request-error';
import { ActiveChatsStore } from '../chat/active-chats.store';
import type { ChatSessionStore } from '../chat/chat-session.store';

/** How an accept ended. */
export type AcceptOutcome =
  | { kind: 'accepted'; chat: ChatSessionStore }
  /** Another operator was faster (`SESSION_ALREADY_TAKEN`). */
  | { kind: 'taken'; visitor: string }
  /** The visitor left or the chat is gone (`SESSION_CLOSED`, `NOT_FOUND`). */
  | { kind: 'gone'; visitor: string }
  | { kind: 'failed'; visitor: string; message: string };

/**
 * The waiting queue, live: follows `queueUpdated`, whose every event is the whole queue. Its first event
 * (on start and on every resubscription after the connection was lost) is the queue as it is then, read by
 * the API after the subscription listens, so nothing that joins meanwhile is missed and nothing needs to be
 * read separately; the API never sends an older queue after a newer one. A chat that enters the queue after
 * the first snapshot alerts the operator (chime / notification). Accepting removes the chat at once; losing
 * the race to another operator does too, with a notice rather than an error.
 *
 * While the subscription is retried after the API could not serve it, {@link retryingSince} says since
 * when (the queue shown may be out of date); {@link loadError} is for a refusal that retrying cannot help.
 */
@Injectable()
export class QueueStore {
  private readonly graphql = inject(GraphqlService);
  private readonly connection = inject(ConnectionService);
  private readonly notifier = inject(NotifierService);
  private readonly activeChats = inject(ActiveChatsStore);
  private readonly auth = inject(AuthService);
  private readonly waiting = signal<readonly ChatSessionFieldsFragment[]>([]);
  private readonly acceptingIds = signal<ReadonlySet<string>>(new Set());
  /** Every chat session id seen in the queue (a new id is a new chat). */
  private readonly seen = new Set<string>();
  /** Ids known to have left the queue here (accepted, taken); a late snapshot must not bring them back. */
  private readonly left = new Set<string>();
  private initialised = false;
  private readonly live: LiveSubscription<QueueUpdatedSubscription>;

  /** Waiting chat sessions, FIFO (longest waiting first). */
  readonly sessions = this.waiting.asReadonly();
  readonly count = computed(() => this.waiting().length);
  /** Ids being accepted right now. */
  readonly accepting = this.acceptingIds.asReadonly();
  /** True once the first snapshot has arrived. */
  readonly loaded = signal(false);
  /** Why the queue cannot be followed (the API refused the subscription for good), or `null`. */
  readonly loadError = signal<string | null>(null);
  /**
   * Since when (Unix ms) the subscription has been retried after its stream failed with an error that may
   * pass (e.g. `SERVICE_UNAVAILABLE` while the API cannot reach Redis or PostgreSQL), or `null` once the
   * next snapshot has come (see `LiveSubscription.retryingSince`).
   */
  readonly retryingSince: Signal<number | null>;

  constructor() {
    this.live = new LiveSubscription<QueueUpdatedSubscription>({
      connection: this.connection,
      open: () => this.graphql.subscribe(QueueUpdatedDocument, {}),
      next: (data) => this.apply(data.queueUpdated.sessions),
      failed: (error) => this.loadError.set(error.message),
    });
    this.retryingSince = this.live.retryingSince;
    inject(DestroyRef).onDestroy(() => this.live.stop());
  }

  /** Subscribes to the queue (its first event is the whole queue). */
  start(): void {
    this.live.start();
  }

  /**
   * Accepts a waiting chat session for this operator. An accept that got no answer (`RequestError.network`)
   * may have been done all the same (the request reached the API, its answer was lost): the chat session is
   * read again, and what it says decides — accepted by this operator, taken by another, gone, or still
   * waiting. Still waiting, the accept is sent once more (the API answers a repeat by the holder as a
   * success, so an accept that was still running then, behind a proxy's 504, is not reported as failed);
   * failing again, it is `failed`, in words an operator reads.
   */
  async accept(session: ChatSessionFieldsFragment): Promise<AcceptOutcome> {
    const visitor = visitorLabel(session.visitor);
    if (this.acceptingIds().has(session.id)) return { kind: 'failed', visitor, message: 'Already accepting' };
    this.acceptingIds.update((ids) => new Set([...ids, session.id]));
    try {
      return await this.send(session.id, visitor, true);
    } finally {
      this.acceptingIds.update((ids) => new Set([...ids].filter((id) => id !== session.id)));
    }
  }

  /** One `acceptSession`; with no answer, {@link settleUnanswered} (which may send it once more when `again`). */
  private async send(sessionId: string, visitor: string, again: boolean): Promise<AcceptOutcome> {
    try {
      const { acceptSession } = await this.graphql.mutate(AcceptSessionDocument, { sessionId });
      this.leave(sessionId);
      return { kind: 'accepted', chat: this.activeChats.add(acceptSession) };
    } catch (error) {
      const failure = toRequestError(error);
      if (failure.network) return await this.settleUnanswered(sessionId, visitor, failure, again);
      switch (failure.code ?? '') {
        case ErrorCode.SESSION_ALREADY_TAKEN:
          this.leave(sessionId);
          return { kind: 'taken', visitor };
        case ErrorCode.SESSION_CLOSED:
        case ErrorCode.NOT_FOUND:
          this.leave(sessionId);
          return { kind: 'gone', visitor };
        default:
          return { kind: 'failed', visitor, message: failure.message };
      }
    }
  }

  /** After an accept with no answer: the outcome the chat session, read again, shows (see {@link accept}). */
  private async settleUnanswered(sessionId: string, visitor: string, failure: RequestError, again: boolean): Promise<AcceptOutcome> {
    let now: ChatSessionFieldsFragment;
    try {
      const { session } = await this.graphql.query(ChatSessionHistoryDocument, { id: sessionId, first: 1 });
      const { messages: _messages, visitorPresence: _presence, ...fields } = session;
      now = fields;
    } catch (error) {
      // Still no answer: whether the accept was done is unknown. If it was, the queue and "My chats" show it
      // once the connection is back (both are read again then).
      return { kind: 'failed', visitor, message: toRequestError(error).message };
    }
    switch (now.status) {
      case 'WAITING':
        return again ? await this.send(sessionId, visitor, false) : { kind: 'failed', visitor, message: failure.message };
      case 'ACTIVE':
        this.leave(sessionId);
        if (now.operator?.id === this.auth.operator()?.id) return { kind: 'accepted', chat: this.activeChats.add(now) };
        return { kind: 'taken', visitor };
      case 'CLOSED':
        this.leave(sessionId);
        return { kind: 'gone', visitor };
    }
  }

  private leave(sessionId: string): void {
    this.left.add(sessionId);
    this.waiting.update((list) => list.filter((s) => s.id !== sessionId));
  }

  private apply(sessions: readonly ChatSessionFieldsFragment[]): void {
    const waiting = sessions.filter((s) => s.status === 'WAITING' && !this.left.has(s.id));
    // A chat that left the queue without being accepted here may have been accepted by this operator in
    // another tab: re-read "My chats" so this tab shows it too.
    const ids = new Set(waiting.map((s) => s.id));
    if (this.waiting().some((s) => !ids.has(s.id))) void this.activeChats.load();
    for (const session of waiting) {
      if (this.seen.has(session.id)) continue;
      this.seen.add(session.id);
      if (this.initialised) this.notifier.newChat(visitorLabel(session.visitor), session.preview, session.id);
    }
    this.initialised = true;
    this.loaded.set(true);
    this.loadError.set(null);
    this.waiting.set(waiting);
  }
}
