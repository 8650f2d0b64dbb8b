import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ActiveChatsStore } from '../chat/active-chats.store';
import { QueueStore } from '../queue/queue.store';

/** What the main area shows when no chat is open. */
@Component({
  selector: 'parley-home',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="home">
      <h2>No chat open</h2>
      @if (queue.count() > 0) {
        <p>{{ queue.count() }} {{ queue.count() === 1 ? 'visitor is' : 'visitors are' }} waiting. Accept a chat from the waiting queue.</p>
      } @else if (chats.chats().length > 0) {
        <p>Pick one of your chats on the left.</p>
      } @else {
        <p>Nobody is waiting right now. New chats appear in the waiting queue as soon as a visitor writes.</p>
      }
    </div>
  `,
  styles: `
    .home { height: 100%; display: grid; place-content: center; text-align: center; padding: 24px; color: var(--mat-sys-on-surface-variant); }
    h2 { font: var(--mat-sys-title-large); color: var(--mat-sys-on-surface); margin: 0 0 8px; }
    p { margin: 0; font: var(--mat-sys-body-large); max-width: 44ch; }
  `,
})
export class HomeComponent {
  protected readonly queue = inject(QueueStore);
  protected readonly chats = inject(ActiveChatsStore);
}
