import { TextFieldModule } from '@angular/cdk/text-field';
import { ChangeDetectionStrategy, Component, ElementRef, computed, input, signal, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MAX_MESSAGE_LENGTH, codePointLength } from '@parley/shared';
import { IconComponent } from '../ui/icon.component';
import type { ChatSessionStore, SendRefusal } from './chat-session.store';

/** Show the length counter from this many code points on. */
const COUNTER_FROM = MAX_MESSAGE_LENGTH - 500;

/**
 * The reply box: Enter sends, Shift+Enter makes a new line (and Enter while an input method is composing
 * does not send). The draft is the chat store's, so it survives switching chats and reloads.
 */
@Component({
  selector: 'parley-composer',
  imports: [TextFieldModule, MatFormFieldModule, MatInputModule, MatButtonModule, IconComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="composer" (submit)="$event.preventDefault(); send()">
      <mat-form-field appearance="outline" subscriptSizing="dynamic" class="field">
        <mat-label>Reply to {{ chat().visitorName() }}</mat-label>
        <textarea
          #input
          matInput
          cdkTextareaAutosize
          cdkAutosizeMinRows="1"
          cdkAutosizeMaxRows="8"
          [value]="chat().draft()"
          (input)="onInput(input.value)"
          (keydown)="onKeydown($event)"
          [disabled]="chat().closed()"
          aria-describedby="composer-help"
          data-testid="composer-input"
        ></textarea>
        <mat-hint id="composer-help">Enter to send, Shift+Enter for a new line</mat-hint>
        @if (length() >= counterFrom) {
          <mat-hint align="end" [class.over]="length() > max" data-testid="composer-count">{{ length() }} / {{ max }}</mat-hint>
        }
      </mat-form-field>
      <button mat-flat-button type="submit" class="send" [disabled]="chat().closed() || length() > max" data-testid="composer-send">
        <parley-icon name="send" class="small" />
        Send
      </button>
    </form>
    @if (refusal(); as reason) {
      <p class="refusal" role="alert" data-testid="composer-refusal">
        @switch (reason) {
          @case ('empty') { Write something first. }
          @case ('too-long') { The message is longer than {{ max }} characters. }
          @case ('closed') { This chat is closed. }
        }
      </p>
    }
  `,
  styles: `
    :host { display: block; padding: 8px 16px 12px; border-top: 1px solid var(--mat-sys-outline-variant); background: var(--mat-sys-surface); }
    .composer { display: flex; gap: 8px; align-items: flex-start; }
    .field { flex: 1; min-width: 0; }
    .send { margin-top: 8px; flex: none; }
    .over { color: var(--mat-sys-error); }
    .refusal { margin: 4px 0 0; font: var(--mat-sys-body-small); color: var(--mat-sys-error); }
  `,
})
export class ComposerComponent {
  /** The chat being answered. */
  readonly chat = input.required<ChatSessionStore>();
  private readonly input = viewChild.required<ElementRef<HTMLTextAreaElement>>('input');
  protected readonly refusal = signal<SendRefusal | null>(null);
  protected readonly length = computed(() => codePointLength(this.chat().draft().trim()));
  protected readonly max = MAX_MESSAGE_LENGTH;
  protected readonly counterFrom = COUNTER_FROM;

  /** Puts the cursor in the reply box. */
  focus(): void {
    this.input().nativeElement.focus();
  }

  protected onInput(value: string): void {
    this.refusal.set(null);
    this.chat().setDraft(value);
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    this.send();
  }

  protected send(): void {
    const refusal = this.chat().send(this.input().nativeElement.value);
    this.refusal.set(refusal);
    if (!refusal) this.input().nativeElement.value = '';
  }
}
