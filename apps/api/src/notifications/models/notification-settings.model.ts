import { Field, Int, ObjectType } from '@nestjs/graphql';
import { NotificationChannel } from '../notification-jobs';

@ObjectType('NotificationChannelSettings', { description: 'One notification channel as this deployment has it configured.' })
export class NotificationChannelSettingsModel {
  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field({ description: 'Whether its environment variables are set (TELEGRAM_BOT_TOKEN + TELEGRAM_CHAT_IDS; SMTP_URL + NOTIFY_EMAILS).' })
  configured!: boolean;

  @Field(() => [String], { description: 'Where it sends: Telegram chat ids or e-mail addresses; empty when not configured.' })
  destinations!: string[];
}

@ObjectType('NotificationSettings', {
  description: 'How operators are notified when visitors wait. Read-only: set by environment variables (see README).',
})
export class NotificationSettingsModel {
  @Field(() => [NotificationChannelSettingsModel], { description: 'Telegram, then e-mail.' })
  channels!: NotificationChannelSettingsModel[];

  @Field(() => Int, {
    description: 'Seconds a chat session may wait before operators are notified even when some are online (NOTIFY_WAITING_THRESHOLD_SECONDS).',
  })
  waitingThresholdSeconds!: number;
}

@ObjectType('NotificationTestResult', { description: 'What one destination did with a test notification.' })
export class NotificationTestResultModel {
  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field({ description: 'The Telegram chat id, or the e-mail addresses separated by commas.' })
  destination!: string;

  @Field({ description: 'Whether the channel accepted it.' })
  delivered!: boolean;

  @Field(() => String, { nullable: true, description: 'Why not, in one line (e.g. "Telegram answered 400: Bad Request: chat not found"); null when delivered.' })
  error?: string | null;
}
