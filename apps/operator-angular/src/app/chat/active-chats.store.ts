import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { type ChatSessionFieldsFragment, SessionsDocument } from '@parley/graphql';
import { MAX_PAGE_SIZE } from '@parley/shared';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { GraphqlService } from '../core/graphql.service';
import { toRequestError } from '../core/request-error';
import { ChatSessionStore, type ChatSessionStoreDeps } from './chat-session.store';

/**
 * The operator's chats: every ACTIVE chat session assigned to them (each a live {@link ChatSessionStore}),
 * plus chats that closed while open here until the operator dismisses them. Re-reads the list after a
 * connection loss. Provided by the console shell, so signing out ends every subscription.
 */
@Injectable()
export class ActiveChatsStore {
  private readonly graphql = inject(GraphqlService);
  private readonly connection = inject(ConnectionService);
  private readonly auth = inject(AuthService);
  private readonly list = signal<readonly ChatSessionStore[]>([]);

  /** The operator's chats, in the order accepted. */
  readonly chats = this.list.asReadonly();
  /** Unread visitor messages across all chats. */
  readonly totalUnread = computed(() => this.list().reduce((n, chat) => n + chat.unread(), 0));
  readonly loadError = signal<string | null>(null);

  constructor() {
    const reconnected = this.connection.reconnected$.subscribe(() => void this.load());
    inject(DestroyRef).onDestroy(() => {
      reconnected.unsubscribe();
      for (const chat of this.list()) chat.destroy();
      this.list.set([]);
    });
  }

  /** Loads (or re-reads) the operator's ACTIVE chat sessions and follows each. */
  async load(): Promise<void> {
    try {
      const { sessions } = await this.graphql.query(SessionsDocument, { status: 'ACTIVE', mine: true, first: MAX_PAGE_SIZE });
      this.loadError.set(null);
      const ids = new Set(sessions.nodes.map((s) => s.id));
      const ordered = [...sessions.nodes].sort((a, b) => Date.parse(a.acceptedAt ?? a.queuedAt) - Date.parse(b.acceptedAt ?? b.queuedAt));
      for (const session of ordered) this.add(session);
      for (const chat of this.list()) {
        if (!ids.has(chat.id) && !chat.closed()) void chat.refresh();
        else if (!chat.loaded()) void chat.retryLoad();
      }
    } catch (error) {
      this.loadError.set(toRequestError(error).message);
    }
  }

  /** Follows a chat session the operator just accepted (or returns the one already followed). */
  add(session: ChatSessionFieldsFragment): ChatSessionStore {
    const existing = this.get(session.id);
    if (existing) return existing;
    const chat = new ChatSessionStore(this.deps(), session.id, session, true);
    this.list.update((list) => [...list, chat]);
    void chat.start();
    return chat;
  }

  /** The followed chat with this id, if any. */
  get(sessionId: string): ChatSessionStore | undefined {
    return this.list().find((chat) => chat.id === sessionId);
  }

  /** Stops following a chat (closed and dismissed). */
  remove(sessionId: string): void {
    const chat = this.get(sessionId);
    if (!chat) return;
    chat.destroy();
    this.list.update((list) => list.filter((c) => c !== chat));
  }

  /**
   * A read-only view of any chat session (a history transcript), freshly loaded. The caller destroys it
   * when done.
   */
  openTranscript(sessionId: string): ChatSessionStore {
    const chat = new ChatSessionStore(this.deps(), sessionId, null, false);
    void chat.start();
    return chat;
  }

  private deps(): ChatSessionStoreDeps {
    const operator = this.auth.operator();
    return {
      graphql: this.graphql,
      connection: this.connection,
      operator: { id: operator?.id ?? 'anonymous', name: operator?.name ?? 'You' },
    };
  }
}
