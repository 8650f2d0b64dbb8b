import { Injectable } from '@nestjs/common';
import { emailContent } from './email/email-message';
import { EmailChannel } from './email/email.channel';
import { ChannelTarget, NotificationChannel } from './notification-jobs';
import { Notice } from './notice';
import { telegramHtml } from './telegram/telegram-message';
import { TelegramChannel } from './telegram/telegram.channel';

/** Formats a notice for a destination's channel and sends it there. */
@Injectable()
export class NotificationChannels {
  constructor(
    private readonly telegram: TelegramChannel,
    private readonly email: EmailChannel,
  ) {}

  /** @throws DeliveryFailure from the channel (see {@link TelegramChannel.send}, {@link EmailChannel.send}). */
  deliver(target: ChannelTarget, notice: Notice): Promise<void> {
    switch (target.channel) {
      case NotificationChannel.TELEGRAM:
        return this.telegram.send(target.chatId, telegramHtml(notice));
      case NotificationChannel.EMAIL:
        return this.email.send(emailContent(notice));
    }
  }
}
