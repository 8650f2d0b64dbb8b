import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router } from '@angular/router';
import { acceptNotice } from '../queue/accept-notice';
import { QueueStore } from '../queue/queue.store';
import { ActiveChatsStore } from './active-chats.store';
import type { ChatSessionStore } from './chat-session.store';
import { ChatViewComponent } from './chat-view.component';

/**
 * Route `/chats/:sessionId`: one of the operator's chats, live; any other chat session (e.g. a link to
 * one that was closed meanwhile) as a read-only transcript — with Accept while it is WAITING (the link of a
 * notification e-mail), which accepts it as the queue does (`QueueStore.accept`: the same race handling).
 */
@Component({
  selector: 'parley-chat-page',
  imports: [ChatViewComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (chat(); as chat) {
      <parley-chat-view
        [chat]="chat"
        [interactive]="followed()"
        [canAccept]="!followed()"
        [accepting]="accepting()"
        (acceptRequested)="accept()"
        (dismissed)="dismiss()"
        (closedByMe)="dismiss()"
      />
    }
  `,
  styles: `:host { display: block; height: 100%; }`,
})
export class ChatPageComponent {
  /** Route parameter. */
  readonly sessionId = input.required<string>();
  private readonly store = inject(ActiveChatsStore);
  private readonly router = inject(Router);
  private readonly queue = inject(QueueStore);
  private readonly snackBar = inject(MatSnackBar);
  private readonly transcript = signal<ChatSessionStore | null>(null);

  /** The operator follows this chat (it is in "My chats"). */
  protected readonly followed = computed(() => this.store.get(this.sessionId()) !== undefined);
  protected readonly chat = computed(() => this.store.get(this.sessionId()) ?? this.transcript());
  protected readonly accepting = computed(() => this.queue.accepting().has(this.sessionId()));

  constructor() {
    effect((onCleanup) => {
      const id = this.sessionId();
      if (this.followed()) return;
      const transcript = untracked(() => this.store.openTranscript(id));
      this.transcript.set(transcript);
      onCleanup(() => transcript.destroy());
    });
  }

  /**
   * Accepts the waiting chat shown: once accepted it is one of the operator's chats and this page follows
   * it live; otherwise a notice says why (another operator was faster, the visitor left, no connection) and
   * the chat is read again, so the page shows what it is now.
   */
  protected async accept(): Promise<void> {
    const transcript = this.transcript();
    const session = transcript?.session();
    if (!transcript || !session) return;
    const outcome = await this.queue.accept(session);
    const notice = acceptNotice(outcome);
    if (!notice) return;
    this.snackBar.open(notice.message, 'OK', { duration: notice.durationMs });
    await transcript.refresh();
  }

  /** Removes the chat from "My chats" and shows the queue. */
  protected dismiss(): void {
    this.store.remove(this.sessionId());
    void this.router.navigate(['/']);
  }
}
