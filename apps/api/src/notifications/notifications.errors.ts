import { ErrorCode } from '@parley/shared';
import { DomainError } from '../common/domain-error';
import { NotificationChannel } from './notification-jobs';

/** Errors of the notification operations. */
export class NotificationError extends DomainError {
  /** `BAD_USER_INPUT`: the channel asked for (or, with none asked for, every channel) has no configuration. */
  static notConfigured(channel?: NotificationChannel): NotificationError {
    const what =
      channel === NotificationChannel.TELEGRAM
        ? 'Telegram is not configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS'
        : channel === NotificationChannel.EMAIL
          ? 'E-mail is not configured: set SMTP_URL and NOTIFY_EMAILS'
          : 'No notification channel is configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS, or SMTP_URL and NOTIFY_EMAILS';
    return new NotificationError(ErrorCode.BAD_USER_INPUT, what, { field: 'channel' });
  }
}
