import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { linkify } from '../core/message-text';

/**
 * Message text as text: every character shown as typed (markup included), line breaks kept, and only
 * http(s) URLs turned into links that open in a new tab without access to the console.
 */
@Component({
  selector: 'parley-message-content',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@for (segment of segments(); track $index) {@if (segment.href) {<a [href]="segment.href" target="_blank" rel="noopener noreferrer nofollow">{{ segment.text }}</a>} @else {{{ segment.text }}}}`,
  styles: `
    :host { white-space: pre-wrap; overflow-wrap: anywhere; }
    a { color: inherit; text-decoration: underline; }
  `,
})
export class MessageContentComponent {
  /** The message text (visitor-supplied: never interpreted as HTML). */
  readonly text = input.required<string>();
  protected readonly segments = computed(() => linkify(this.text()));
}
