import { ScrollingModule } from '@angular/cdk/scrolling';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatListModule } from '@angular/material/list';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { RouterLink } from '@angular/router';
import { ActiveChatsStore } from '../chat/active-chats.store';
import type { ChatSessionStore } from '../chat/chat-session.store';
import { ChatViewComponent } from '../chat/chat-view.component';
import { ConnectionService } from '../core/connection.service';
import { formatDateTime, visitorLabel } from '../core/format';
import { GraphqlService } from '../core/graphql.service';
import { IconComponent } from '../ui/icon.component';
import { HistorySearch } from './history-search';

/** Wait this long (ms) after the last keystroke before searching. */
export const SEARCH_DEBOUNCE_MS = 300;
/** Height of one result row in px (the virtual scroll needs it fixed). */
export const RESULT_ROW_PX = 88;

/**
 * Routes `/history` and `/history/:sessionId`: closed chats, newest first, searchable by visitor name,
 * e-mail or message text, in a virtual-scrolling list; the selected one's transcript beside it.
 */
@Component({
  selector: 'parley-history-page',
  imports: [ScrollingModule, MatFormFieldModule, MatInputModule, MatListModule, MatSlideToggleModule, MatProgressBarModule, RouterLink, IconComponent, ChatViewComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './history-page.component.html',
  styleUrl: './history-page.component.css',
})
export class HistoryPageComponent {
  /** Route parameter: the chat session whose transcript is shown. */
  readonly sessionId = input<string | undefined>(undefined);
  private readonly chats = inject(ActiveChatsStore);
  protected readonly search = new HistorySearch(inject(GraphqlService));
  protected readonly text = signal('');
  protected readonly mine = signal(false);
  protected readonly transcript = signal<ChatSessionStore | null>(null);
  protected readonly rowPx = RESULT_ROW_PX;
  protected readonly visitorLabel = visitorLabel;
  protected readonly formatDateTime = formatDateTime;
  protected readonly selected = computed(() => this.sessionId() ?? null);

  constructor() {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = true;
    effect(() => {
      const query = { text: this.text(), mine: this.mine() };
      clearTimeout(timer);
      if (first) {
        first = false;
        void untracked(() => this.search.search(query));
      } else {
        timer = setTimeout(() => void this.search.search(query), SEARCH_DEBOUNCE_MS);
      }
    });
    effect((onCleanup) => {
      const id = this.sessionId();
      if (!id) {
        this.transcript.set(null);
        return;
      }
      const chat = untracked(() => this.chats.openTranscript(id));
      this.transcript.set(chat);
      onCleanup(() => chat.destroy());
    });
    const reconnected = inject(ConnectionService).reconnected$.subscribe(() => void this.search.search(this.search.query()));
    inject(DestroyRef).onDestroy(() => {
      clearTimeout(timer);
      reconnected.unsubscribe();
    });
  }

  protected readonly trackById = (_: number, session: { id: string }) => session.id;

  protected onScrolled(index: number): void {
    if (index + 12 >= this.search.results().length) void this.search.loadMore();
  }
}
