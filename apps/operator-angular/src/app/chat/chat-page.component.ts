import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router } from '@angular/router';
import { ActiveChatsStore } from './active-chats.store';
import type { ChatSessionStore } from './chat-session.store';
import { ChatViewComponent } from './chat-view.component';

/**
 * Route `/chats/:sessionId`: one of the operator's chats, live; any other chat session (e.g. a link to
 * one that was closed meanwhile) as a read-only transcript.
 */
@Component({
  selector: 'parley-chat-page',
  imports: [ChatViewComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (chat(); as chat) {
      <parley-chat-view [chat]="chat" [interactive]="followed()" (dismissed)="dismiss()" (closedByMe)="dismiss()" />
    }
  `,
  styles: `:host { display: block; height: 100%; }`,
})
export class ChatPageComponent {
  /** Route parameter. */
  readonly sessionId = input.required<string>();
  private readonly store = inject(ActiveChatsStore);
  private readonly router = inject(Router);
  private readonly transcript = signal<ChatSessionStore | null>(null);

  /** The operator follows this chat (it is in "My chats"). */
  protected readonly followed = computed(() => this.store.get(this.sessionId()) !== undefined);
  protected readonly chat = computed(() => this.store.get(this.sessionId()) ?? this.transcript());

  constructor() {
    effect((onCleanup) => {
      const id = this.sessionId();
      if (this.followed()) return;
      const transcript = untracked(() => this.store.openTranscript(id));
      this.transcript.set(transcript);
      onCleanup(() => transcript.destroy());
    });
  }

  /** Removes the chat from "My chats" and shows the queue. */
  protected dismiss(): void {
    this.store.remove(this.sessionId());
    void this.router.navigate(['/']);
  }
}
