import { ChangeDetectionStrategy, Component, DestroyRef, afterNextRender, computed, effect, inject, input, output, signal, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { AuthService } from '../core/auth.service';
import { formatDateTime, presenceLabel } from '../core/format';
import { safeHttpUrl } from '../core/message-text';
import { StaleNoticeComponent } from '../ui/stale-notice.component';
import type { ChatSessionStore } from './chat-session.store';
import type { CloseChatDialogData } from './close-chat-dialog.component';
import { ComposerComponent } from './composer.component';
import { MessageListComponent } from './message-list.component';

/** Whether the console's tab is visible, as a signal. */
function pageVisible() {
  const visible = signal(globalThis.document?.visibilityState !== 'hidden');
  const update = () => visible.set(document.visibilityState !== 'hidden');
  globalThis.document?.addEventListener('visibilitychange', update);
  inject(DestroyRef).onDestroy(() => globalThis.document?.removeEventListener('visibilitychange', update));
  return visible.asReadonly();
}

/**
 * One chat: who the visitor is (name, e-mail, page, online/offline, typing), the history, and — for an
 * active chat — the composer and Close. Messages count as read while the chat is on screen. While its live
 * stream is being retried, a calm notice says the chat may be out of date.
 */
@Component({
  selector: 'parley-chat-view',
  imports: [MatButtonModule, MessageListComponent, ComposerComponent, StaleNoticeComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './chat-view.component.html',
  styleUrl: './chat-view.component.css',
})
export class ChatViewComponent {
  /** The chat to show. */
  readonly chat = input.required<ChatSessionStore>();
  /** Show the composer and Close (an active chat of this operator) or only the history (a transcript). */
  readonly interactive = input(true);
  /** Offer Accept while the chat is WAITING (a chat page reached by a link, e.g. from a notification e-mail). */
  readonly canAccept = input(false);
  /** The operator's accept of this chat is on its way. */
  readonly accepting = input(false);
  /** The operator pressed Accept. */
  readonly acceptRequested = output<void>();
  /** The operator dismissed a closed chat (move it to the history). */
  readonly dismissed = output<void>();
  /** The operator closed the chat with a resolution. */
  readonly closedByMe = output<void>();

  private readonly auth = inject(AuthService);
  private readonly dialog = inject(MatDialog);
  private readonly composer = viewChild(ComposerComponent);
  private readonly visible = pageVisible();

  protected readonly operatorName = computed(() => this.auth.operator()?.name ?? 'You');
  protected readonly session = computed(() => this.chat().session());
  protected readonly pageHref = computed(() => safeHttpUrl(this.session()?.visitor.pageUrl));
  protected readonly presence = computed(() => this.chat().visitorPresence());
  protected readonly presenceLabel = presenceLabel;
  protected readonly formatDateTime = formatDateTime;
  protected readonly canWrite = computed(() => this.interactive() && this.chat().liveMode && !this.chat().closed());
  protected readonly waiting = computed(() => this.canAccept() && this.session()?.status === 'WAITING');

  constructor() {
    effect(() => {
      const chat = this.chat();
      chat.messages();
      if (this.visible() && chat.loaded()) chat.markRead();
    });
    let focusedChat: ChatSessionStore | null = null;
    afterNextRender(() => this.focusComposer());
    effect(() => {
      const chat = this.chat();
      if (chat !== focusedChat) {
        focusedChat = chat;
        queueMicrotask(() => this.focusComposer());
      }
    });
  }

  /** Opens the close dialog (loaded on first use: it is not needed to start the console). */
  protected async openCloseDialog(): Promise<void> {
    const { CloseChatDialogComponent } = await import('./close-chat-dialog.component');
    const chat = this.chat();
    const data: CloseChatDialogData = {
      visitorName: chat.visitorName(),
      close: async (resolution) => {
        await chat.close(resolution);
        this.closedByMe.emit();
      },
    };
    // Focus goes to the dialog's [cdkFocusInitial] element, the required Resolution field: an operator who
    // just starts typing writes the resolution (focusing the dialog itself would drop those keys).
    this.dialog.open(CloseChatDialogComponent, { data, width: 'min(520px, 92vw)', autoFocus: 'first-tabbable' });
  }

  private focusComposer(): void {
    this.composer()?.focus();
  }
}
