import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import {
  type NotificationChannel,
  NotificationSettingsDocument,
  type NotificationSettingsQuery,
  SendTestNotificationDocument,
  type SendTestNotificationMutation,
} from '@parley/graphql';
import { ErrorCode } from '@parley/shared';
import { formatTime } from '../core/format';
import { GraphqlService } from '../core/graphql.service';
import { toRequestError } from '../core/request-error';
import { IconComponent } from '../ui/icon.component';

type Settings = NotificationSettingsQuery['notificationSettings'];
type TestResult = SendTestNotificationMutation['sendTestNotification'][number];

/** What one press of a "send test" button did. */
export interface TestRun {
  /** The channel asked for; `null` = every configured channel. */
  channel: NotificationChannel | null;
  /** When the answer came (ISO-8601). */
  at: string;
  /** One result per destination (empty when the request failed). */
  results: readonly TestResult[];
  /** Why the request failed as a whole (not configured, no connection, …); `null` when it was answered. */
  error: string | null;
}

/** Human name of a channel. */
export function channelLabel(channel: NotificationChannel): string {
  switch (channel) {
    case 'TELEGRAM':
      return 'Telegram';
    case 'EMAIL':
      return 'E-mail';
  }
}

/** The environment variables that configure a channel (shown when it is not configured). */
export function channelVariables(channel: NotificationChannel): string {
  switch (channel) {
    case 'TELEGRAM':
      return 'TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS';
    case 'EMAIL':
      return 'SMTP_URL and NOTIFY_EMAILS';
  }
}

/** "45 s", "3 min", "2 min 30 s", "1 h 5 min". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const minutes = Math.floor((s % 3600) / 60);
  return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${s / 3600} h`;
}

/**
 * Team notifications (issue 5): which channels (Telegram, e-mail) the server has configured and where they
 * send, the waiting threshold, and "Send test notification" for every configured channel or one of them,
 * with the outcome for each destination. The settings are read-only here: the server's environment
 * variables set them.
 */
@Component({
  selector: 'parley-notification-settings-page',
  imports: [MatButtonModule, IconComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './notification-settings-page.component.html',
  styleUrl: './notification-settings-page.component.css',
})
export class NotificationSettingsPageComponent {
  private readonly graphql = inject(GraphqlService);

  /** The settings as the API reported them; `null` until loaded. */
  protected readonly settings = signal<Settings | null>(null);
  /** Why loading the settings failed, or `null`. */
  protected readonly loadError = signal<string | null>(null);
  protected readonly loading = signal(false);
  /** The test being sent: a channel, `'ALL'`, or `null` when none is. */
  protected readonly sending = signal<NotificationChannel | 'ALL' | null>(null);
  /** The outcome of the last test sent. */
  protected readonly lastRun = signal<TestRun | null>(null);

  protected readonly configured = computed(() => this.settings()?.channels.filter((c) => c.configured) ?? []);
  /** "Send test notification" is pointless only when the settings say nothing is configured. */
  protected readonly nothingConfigured = computed(() => this.settings() !== null && this.configured().length === 0);
  protected readonly delivered = computed(() => this.lastRun()?.results.filter((r) => r.delivered).length ?? 0);
  protected readonly channelLabel = channelLabel;
  protected readonly channelVariables = channelVariables;
  protected readonly formatSeconds = formatSeconds;
  protected readonly formatTime = formatTime;

  constructor() {
    void this.load();
  }

  /** Reads the settings (again). */
  async load(): Promise<void> {
    this.loading.set(true);
    this.loadError.set(null);
    try {
      const { notificationSettings } = await this.graphql.query(NotificationSettingsDocument, {});
      this.settings.set(notificationSettings);
    } catch (error) {
      this.loadError.set(`Could not load the notification settings: ${toRequestError(error).message}`);
    } finally {
      this.loading.set(false);
    }
  }

  /** Sends a test notification to every destination of `channel` (`null`: of every configured channel). */
  async sendTest(channel: NotificationChannel | null): Promise<void> {
    if (this.sending()) return;
    this.sending.set(channel ?? 'ALL');
    try {
      const { sendTestNotification } = await this.graphql.mutate(SendTestNotificationDocument, channel ? { channel } : {});
      this.lastRun.set({ channel, at: new Date().toISOString(), results: sendTestNotification, error: null });
    } catch (error) {
      const failure = toRequestError(error);
      const message = failure.network ? 'Not sent: the server could not be reached. Try again when the connection is back.' : `Not sent: ${failure.message}`;
      this.lastRun.set({ channel, at: new Date().toISOString(), results: [], error: message });
      // The server's configuration may differ from what this page shows (e.g. it restarted with other variables).
      if (failure.code === ErrorCode.BAD_USER_INPUT) void this.load();
    } finally {
      this.sending.set(null);
    }
  }
}
