import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, NotificationsConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DeliveryFailure, describeError, redact } from '../delivery-failure';

/** The parts of a Bot API answer used here (https://core.telegram.org/bots/api#making-requests). */
interface BotApiAnswer {
  ok?: boolean;
  description?: string;
  /** `retry_after`: "the number of seconds left to wait before the request can be repeated" on flood control (https://core.telegram.org/bots/api#responseparameters). */
  parameters?: { retry_after?: number };
}

/** Seconds to wait for the Bot API to answer. */
const TIMEOUT_MS = 10_000;

/** Sends notifications with the Telegram Bot API's `sendMessage` (`TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`). */
@Injectable()
export class TelegramChannel {
  private readonly settings?: NotificationsConfig['telegram'];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = config.notifications.telegram;
  }

  /**
   * Sends `html` (already escaped, `parse_mode: HTML`) to one chat, link previews off.
   * @throws DeliveryFailure `permanent` (a 4xx other than 429: bad token, unknown chat, malformed text),
   *   `rate-limited` (429, with `retry_after`), `transient` (unreachable, timeout, 5xx). Messages never hold the token.
   */
  async send(chatId: string, html: string): Promise<void> {
    const settings = this.settings;
    if (!settings) throw DeliveryFailure.permanent('Telegram is not configured (TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_IDS)');
    const secret = (text: string) => redact(text, [settings.botToken]);
    let response: Response;
    try {
      response = await fetch(`${settings.apiUrl}/bot${settings.botToken}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: chatId, text: html, parse_mode: 'HTML', link_preview_options: { is_disabled: true } }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw DeliveryFailure.transient(secret(`Telegram unreachable at TELEGRAM_API_URL (${describeError(error)})`));
    }
    const answer = (await response.json().catch(() => ({}))) as BotApiAnswer;
    if (response.ok && answer.ok) return;
    const reason = secret(`Telegram answered ${response.status}${answer.description ? `: ${answer.description}` : ''}`);
    if (response.status === 429) {
      const retryAfter = Number(answer.parameters?.retry_after);
      throw DeliveryFailure.rateLimited(reason, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1);
    }
    if (response.status >= 400 && response.status < 500) throw DeliveryFailure.permanent(reason);
    throw DeliveryFailure.transient(reason);
  }
}
