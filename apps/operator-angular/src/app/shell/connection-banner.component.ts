import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ConnectionService } from '../core/connection.service';
import { IconComponent } from '../ui/icon.component';

/** A visible banner while live updates are interrupted (network down, API restarting). */
@Component({
  selector: 'parley-connection-banner',
  imports: [IconComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (connection.interrupted()) {
      <div class="banner" role="alert" data-testid="connection-banner">
        <parley-icon name="cloudOff" />
        <span>
          @if (!connection.browserOnline()) {
            <strong>You are offline.</strong>
          } @else {
            <strong>Connection to Parley lost.</strong>
          }
          Reconnecting… Chats will catch up automatically; messages that fail to send can be retried.
        </span>
      </div>
    }
  `,
  styles: `
    .banner {
      display: flex;
      align-items: center;
      gap: 12px;
      padding: 10px 16px;
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
      font: var(--mat-sys-body-medium);
    }
  `,
})
export class ConnectionBannerComponent {
  protected readonly connection = inject(ConnectionService);
}
