import { signal } from '@angular/core';
import { type ChatSessionFieldsFragment, SessionsDocument } from '@parley/graphql';
import type { GraphqlService } from '../core/graphql.service';
import { toRequestError } from '../core/request-error';

/** Closed chat sessions per page of the history list. */
export const HISTORY_LIST_PAGE = 30;

/** A search of the history: which text, and whether only the operator's own chats. */
export interface HistoryQuery {
  text: string;
  mine: boolean;
}

/**
 * The searchable list of CLOSED chat sessions (newest first), page by page. Only the answer to the
 * latest search is shown: a slower answer to an older search is dropped.
 */
export class HistorySearch {
  readonly results = signal<readonly ChatSessionFieldsFragment[]>([]);
  readonly hasMore = signal(false);
  readonly loading = signal(false);
  readonly error = signal<string | null>(null);
  /** The search the results belong to. */
  readonly query = signal<HistoryQuery>({ text: '', mine: false });
  private cursor: string | null = null;
  private generation = 0;

  constructor(private readonly graphql: Pick<GraphqlService, 'query'>) {}

  /** Starts a new search (first page). */
  async search(query: HistoryQuery): Promise<void> {
    this.query.set(query);
    this.cursor = null;
    await this.fetch(true);
  }

  /** Appends the next page of the current search. */
  async loadMore(): Promise<void> {
    if (!this.hasMore() || this.loading()) return;
    await this.fetch(false);
  }

  private async fetch(reset: boolean): Promise<void> {
    const generation = reset ? ++this.generation : this.generation;
    const { text, mine } = this.query();
    this.loading.set(true);
    try {
      const { sessions } = await this.graphql.query(SessionsDocument, {
        status: 'CLOSED',
        search: text.trim() || null,
        mine: mine || null,
        first: HISTORY_LIST_PAGE,
        after: reset ? null : this.cursor,
      });
      if (generation !== this.generation) return;
      this.error.set(null);
      this.results.set(reset ? sessions.nodes : [...this.results(), ...sessions.nodes.filter((n) => !this.results().some((r) => r.id === n.id))]);
      this.cursor = sessions.pageInfo.endCursor;
      this.hasMore.set(sessions.pageInfo.hasNextPage);
    } catch (error) {
      if (generation === this.generation) this.error.set(toRequestError(error).message);
    } finally {
      if (generation === this.generation) this.loading.set(false);
    }
  }
}
