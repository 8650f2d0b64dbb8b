import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { ConnectionService } from '../core/connection.service';
import { formatTime } from '../core/format';
import { IconComponent } from './icon.component';

/**
 * A small, calm notice beside a live list whose subscription is being retried after the API could not
 * serve it (`LiveSubscription.retryingSince`): "Reconnecting to the waiting queue… It may be out of date
 * (no live updates since 14:05)." Not an error: it goes away by itself at the next event.
 *
 * Shows nothing while the whole connection is interrupted: the connection banner says so then, for every
 * list at once. The live region (`role="status"`, polite) is always in the page, so screen readers announce
 * the notice when it appears without interrupting the operator. Place it with
 * `--parley-stale-notice-margin` (default `0`).
 */
@Component({
  selector: 'parley-stale-notice',
  imports: [IconComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div role="status" aria-live="polite" aria-atomic="true">
      @if (shownSince(); as since) {
        <p class="notice" data-testid="stale-notice">
          <parley-icon name="refresh" class="small" />
          <span>Reconnecting to {{ subject() }}… It may be out of date (no live updates since {{ since }}).</span>
        </p>
      }
    </div>
  `,
  styles: `
    :host {
      display: block;
    }
    .notice {
      display: flex;
      align-items: center;
      gap: 6px;
      margin: var(--parley-stale-notice-margin, 0);
      padding: 6px 10px;
      border-radius: var(--mat-sys-corner-small);
      background: var(--mat-sys-surface-container-high);
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
  `,
})
export class StaleNoticeComponent {
  private readonly connection = inject(ConnectionService);

  /** Since when (Unix ms) the list's subscription has been retrying, or `null` while it is live. */
  readonly since = input.required<number | null>();
  /** What is out of date, as it reads after "Reconnecting to": `the waiting queue`, `this chat`. */
  readonly subject = input.required<string>();

  /** The local time shown, or `null` when nothing is shown. */
  protected readonly shownSince = computed(() => {
    const since = this.since();
    if (since === null || this.connection.interrupted()) return null;
    return formatTime(new Date(since).toISOString());
  });
}
