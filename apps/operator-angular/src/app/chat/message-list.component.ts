import { ChangeDetectionStrategy, Component, ElementRef, afterRenderEffect, computed, input, signal, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { formatDateTime, formatDay, formatTime } from '../core/format';
import { IconComponent } from '../ui/icon.component';
import type { ChatSessionStore } from './chat-session.store';
import { MessageContentComponent } from './message-content.component';
import { buildTimeline } from './timeline';

/** Within this many pixels of the bottom the list follows new messages. */
const STICK_PX = 48;
/** Within this many pixels of the top, older messages load. */
const LOAD_OLDER_PX = 120;

/**
 * A chat's history: day separators, system lines, messages grouped by sender with times, the operator's
 * unconfirmed messages (sending / failed with retry). Follows new messages when at the bottom, offers a
 * jump otherwise, and loads older pages when scrolled to the top (keeping the view where it was).
 */
@Component({
  selector: 'parley-message-list',
  imports: [MatButtonModule, MatProgressSpinnerModule, IconComponent, MessageContentComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './message-list.component.html',
  styleUrl: './message-list.component.css',
})
export class MessageListComponent {
  /** The chat to show. */
  readonly chat = input.required<ChatSessionStore>();
  /** Name of the signed-in operator (groups their unconfirmed messages with their sent ones). */
  readonly operatorName = input.required<string>();

  private readonly viewport = viewChild.required<ElementRef<HTMLElement>>('viewport');
  protected readonly items = computed(() => buildTimeline(this.chat().messages(), this.chat().outgoing(), this.operatorName()));
  /** New messages arrived while the operator was scrolled up. */
  protected readonly newBelow = signal(false);
  private stickToBottom = true;
  private anchor: { firstSeq: number; height: number; top: number } | null = null;
  private lastCount = 0;
  private autoFilledBefore = 0;
  private shownChat: ChatSessionStore | null = null;

  protected readonly formatTime = formatTime;
  protected readonly formatDateTime = formatDateTime;
  protected readonly formatDay = formatDay;

  constructor() {
    afterRenderEffect(() => {
      const chat = this.chat();
      const items = this.items();
      const el = this.viewport().nativeElement;
      if (chat !== this.shownChat) {
        this.shownChat = chat;
        this.stickToBottom = true;
        this.anchor = null;
        this.autoFilledBefore = 0;
        this.newBelow.set(false);
      }
      const firstSeq = chat.messages()[0]?.seq ?? 0;
      if (this.anchor && firstSeq !== this.anchor.firstSeq) {
        el.scrollTop = this.anchor.top + (el.scrollHeight - this.anchor.height);
        this.anchor = null;
      } else if (this.stickToBottom) {
        el.scrollTop = el.scrollHeight;
      } else if (items.length !== this.lastCount) {
        this.newBelow.set(true);
      }
      this.lastCount = items.length;
      // Not enough messages to scroll: fetch the previous page (once per page, so a failing or empty
      // answer cannot loop).
      if (el.scrollHeight <= el.clientHeight && chat.hasOlder() && !chat.loadingOlder() && chat.loaded() && this.autoFilledBefore !== firstSeq) {
        this.autoFilledBefore = firstSeq;
        this.loadOlder();
      }
    });
  }

  protected onScroll(): void {
    const el = this.viewport().nativeElement;
    this.stickToBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (this.stickToBottom) this.newBelow.set(false);
    const chat = this.chat();
    if (el.scrollTop < LOAD_OLDER_PX && chat.hasOlder() && !chat.loadingOlder()) this.loadOlder();
  }

  /** Loads the previous page, remembering where the view was so it does not jump. */
  protected loadOlder(): void {
    const chat = this.chat();
    if (chat.loadingOlder() || !chat.hasOlder()) return;
    const el = this.viewport().nativeElement;
    this.anchor = { firstSeq: chat.messages()[0]?.seq ?? 0, height: el.scrollHeight, top: el.scrollTop };
    void chat.loadOlder();
  }

  protected jumpToLatest(): void {
    const el = this.viewport().nativeElement;
    el.scrollTop = el.scrollHeight;
    this.stickToBottom = true;
    this.newBelow.set(false);
  }
}
