import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EmailChannel } from './email/email.channel';
import { NotificationChannels } from './notification-channels';
import { configuredTargets, NOTIFICATIONS_QUEUE, notificationQueueOptions } from './notification-jobs';
import { notificationsProcessorProvider } from './notifications.processor';
import { TelegramChannel } from './telegram/telegram.channel';
import { WaitingSweep } from './waiting-sweep';

/**
 * The notification queue (BullMQ through `@nestjs/bullmq`, on `REDIS_URL`), the channels, and — when this
 * process runs workers (`RUN_WORKERS`, always in `npm run worker`) and a channel is configured — the
 * processor and the periodic sweep that re-adds lost `long-wait` jobs ({@link WaitingSweep}, on a BullMQ job
 * scheduler). Queues and workers are closed on application shutdown by `@nestjs/bullmq`.
 */
@Module({})
export class NotificationJobsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const queue = BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE });
    const runsProcessor = config.runWorkers && configuredTargets(config).length > 0;
    return {
      module: NotificationJobsModule,
      imports: [BullModule.forRoot(notificationQueueOptions(config)), queue],
      providers: [TelegramChannel, EmailChannel, NotificationChannels, ...(runsProcessor ? [WaitingSweep, notificationsProcessorProvider(config)] : [])],
      exports: [queue, NotificationChannels],
    };
  }
}
