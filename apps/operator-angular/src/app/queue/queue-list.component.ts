import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router } from '@angular/router';
import type { ChatSessionFieldsFragment } from '@parley/graphql';
import { ClockService } from '../core/clock.service';
import { formatElapsed, visitorLabel } from '../core/format';
import { safeHttpUrl } from '../core/message-text';
import { IconComponent } from '../ui/icon.component';
import { StaleNoticeComponent } from '../ui/stale-notice.component';
import { acceptNotice } from './accept-notice';
import { QueueStore } from './queue.store';

/**
 * The waiting queue in the side panel: per visitor the name (or "Visitor #…"), the first message, the
 * page, a ticking waiting time, and Accept. Losing an accept race shows a notice, not an error dialog.
 * While the queue's subscription is being retried, a calm notice says the queue may be out of date.
 */
@Component({
  selector: 'parley-queue-list',
  imports: [MatCardModule, MatButtonModule, IconComponent, StaleNoticeComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './queue-list.component.html',
  styleUrl: './queue-list.component.css',
})
export class QueueListComponent {
  protected readonly queue = inject(QueueStore);
  private readonly clock = inject(ClockService);
  private readonly router = inject(Router);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly visitorLabel = visitorLabel;
  protected readonly safeHttpUrl = safeHttpUrl;

  /** Time waited so far, ticking with the shared clock. */
  protected waited(session: ChatSessionFieldsFragment): string {
    return formatElapsed(this.clock.now() - Date.parse(session.queuedAt));
  }

  protected async accept(session: ChatSessionFieldsFragment): Promise<void> {
    const outcome = await this.queue.accept(session);
    if (outcome.kind === 'accepted') {
      await this.router.navigate(['/chats', outcome.chat.id]);
      return;
    }
    const notice = acceptNotice(outcome);
    if (notice) this.snackBar.open(notice.message, 'OK', { duration: notice.durationMs });
  }
}
