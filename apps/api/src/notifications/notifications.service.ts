import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Operator } from '../operators/operator.entity';
import { PresenceService } from '../presence/presence.service';
import { DeliveryFailure } from './delivery-failure';
import { NotificationChannelSettingsModel, NotificationSettingsModel, NotificationTestResultModel } from './models/notification-settings.model';
import { NotificationChannels } from './notification-channels';
import {
  ChannelTarget,
  configuredTargets,
  NOTIFICATIONS_QUEUE,
  NotificationChannel,
  NotificationEvent,
  NotificationJobData,
  notificationJob,
} from './notification-jobs';
import { NotificationError } from './notifications.errors';
import { testNotice } from './notice';
import { logChangedErrors } from './queue-errors';

/** Enqueues operator notifications and serves the notification settings operations. */
@Injectable()
export class NotificationsService implements OnModuleInit {
  private readonly logger = new Logger('Notifications');
  private readonly targets: ChannelTarget[];

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue<NotificationJobData>,
    private readonly presence: PresenceService,
    private readonly channels: NotificationChannels,
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.targets = configuredTargets(config);
  }

  onModuleInit(): void {
    this.queue.on('error', logChangedErrors(this.logger, 'Notification queue'));
  }

  /**
   * A chat session entered the waiting queue. For every configured destination, enqueues a `new-session`
   * job when no operator is online now, and a `long-wait` job due after `NOTIFY_WAITING_THRESHOLD_SECONDS`
   * (it sends only if the session still waits then). Job ids derive from the session, so a second call
   * adds nothing. Never throws: the session is already stored, so a failure to enqueue is logged — and a
   * `long-wait` job lost that way (or because this process died before Redis took it) is added again by the
   * workers' sweep of waiting sessions (`WaitingSweep`, waiting-sweep.ts); a lost `new-session` one is not.
   *
   * When Redis cannot tell whether an operator is online (no answer within `REDIS_COMMAND_TIMEOUT_MS`,
   * 2000 ms, or unreachable), nobody is assumed online and `new-session` is enqueued too, with one warning
   * line (grouped, `PresenceService.readOr`): a notice operators did not need costs a glance, a missing one
   * leaves a visitor unheard until `long-wait`. (The jobs themselves are added through BullMQ, which waits
   * for a Redis that hangs.)
   */
  async sessionQueued(sessionId: string): Promise<void> {
    if (this.targets.length === 0) return;
    try {
      const operatorsOnline = await this.presence.readOr(this.presence.onlineCount(), 0, 'new-session notifications sent as if nobody were online');
      const nobodyOnline = operatorsOnline === 0;
      const threshold = this.config.notifications.waitingThresholdSeconds * 1000;
      await this.queue.addBulk([
        ...(nobodyOnline ? this.targets.map((target) => notificationJob(NotificationEvent.NEW_SESSION, sessionId, target, 0)) : []),
        ...this.targets.map((target) => notificationJob(NotificationEvent.LONG_WAIT, sessionId, target, threshold)),
      ]);
    } catch (error) {
      this.logger.warn(`Could not enqueue notifications of chat session ${sessionId}: ${(error as Error).message}`);
    }
  }

  /** Which channels are configured and where they send. */
  settings(): NotificationSettingsModel {
    const { telegram, email, waitingThresholdSeconds } = this.config.notifications;
    const channel = (kind: NotificationChannel, destinations: string[] | undefined): NotificationChannelSettingsModel => ({
      channel: kind,
      configured: destinations !== undefined,
      destinations: destinations ?? [],
    });
    return {
      channels: [channel(NotificationChannel.TELEGRAM, telegram?.chatIds), channel(NotificationChannel.EMAIL, email?.recipients)],
      waitingThresholdSeconds,
    };
  }

  /**
   * Sends a test notification now (not queued, not recorded) to every destination of `channel`, or of every
   * configured channel when absent, and reports each outcome; a failure is an outcome, not an error.
   * @throws NotificationError `BAD_USER_INPUT` when that channel (or every channel) is not configured.
   */
  async sendTest(operatorId: string, channel?: NotificationChannel | null): Promise<NotificationTestResultModel[]> {
    const targets = this.targets.filter((t) => !channel || t.channel === channel);
    if (targets.length === 0) throw NotificationError.notConfigured(channel ?? undefined);
    const operator = await this.em.fork().findOneOrFail(Operator, operatorId, { fields: ['name'] });
    const notice = testNotice(this.config.publicUrl, operator.name);
    return Promise.all(
      targets.map(async (target): Promise<NotificationTestResultModel> => {
        const destination = target.channel === NotificationChannel.TELEGRAM ? target.chatId : this.config.notifications.email!.recipients.join(', ');
        try {
          await this.channels.deliver(target, notice);
          return { channel: target.channel, destination, delivered: true, error: null };
        } catch (error) {
          if (!(error instanceof DeliveryFailure)) throw error;
          this.logger.warn(`Test notification to ${destination} failed: ${error.message}`);
          return { channel: target.channel, destination, delivered: false, error: error.message };
        }
      }),
    );
  }
}
