import { EntityManager } from '@mikro-orm/postgresql';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, Provider } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DeliveryFailure } from './delivery-failure';
import { NotificationChannels } from './notification-channels';
import { recordDelivery, wasDelivered } from './notification-deliveries';
import { NOTIFICATIONS_QUEUE, NotificationJobData, targetKey } from './notification-jobs';
import { loadSessionNotice } from './notice';
import { logChangedErrors } from './queue-errors';
import { WAITING_SWEEP_JOB, WaitingSweep } from './waiting-sweep';

/**
 * Runs notification jobs: one event of one chat session to one destination, at most once to the human.
 *
 * 1. A delivery record for (session, event, destination) means it was sent: done, nothing sent.
 * 2. The session no longer WAITING (or gone): done, nothing sent.
 * 3. Send; the moment the channel accepts, write the delivery record.
 *
 * Failures: `permanent` (Telegram 4xx, SMTP 5xx) fails the job at once, reason logged; a Telegram `429`
 * delays the job by `retry_after` without using an attempt — unless that is longer than
 * `TELEGRAM_MAX_RETRY_AFTER_SECONDS` and e-mail is configured (its own job carries the notification), then
 * the Telegram job fails; anything else is retried with BullMQ's exponential backoff up to
 * `NOTIFY_ATTEMPTS`. Failed jobs stay in the queue's failed set for inspection.
 *
 * The same queue carries the periodic sweep of waiting sessions (jobs named {@link WAITING_SWEEP_JOB}, from a
 * BullMQ job scheduler): run by {@link WaitingSweep.run}, which re-adds lost `long-wait` jobs.
 */
export class NotificationsProcessor extends WorkerHost {
  private readonly logger = new Logger('Notifications');
  private readonly workerErrors = logChangedErrors(this.logger, 'Notification worker');

  constructor(
    private readonly em: EntityManager,
    private readonly channels: NotificationChannels,
    private readonly sweep: WaitingSweep,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** @returns what happened, kept as the job's return value. */
  async process(job: Job<NotificationJobData>, token?: string): Promise<string> {
    if (job.name === WAITING_SWEEP_JOB) return this.sweep.run();
    const { event, sessionId, target } = job.data;
    const em = this.em.fork();
    const what = `${event} notification of chat session ${sessionId} to ${targetKey(target)}`;
    if (await wasDelivered(em, job.data)) return 'already delivered';
    const notice = await loadSessionNotice(em, this.config.publicUrl, event, sessionId);
    if (!notice) return 'not sent: the chat session no longer waits';
    try {
      await this.channels.deliver(target, notice);
    } catch (error) {
      if (error instanceof DeliveryFailure) return this.handleFailure(job, token, what, error);
      throw error;
    }
    await recordDelivery(em, job.data);
    this.logger.log(`Delivered the ${what}`);
    return 'delivered';
  }

  /** Worker-level errors (Redis unreachable): one log line per new problem. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.workerErrors(error);
  }

  private async handleFailure(job: Job<NotificationJobData>, token: string | undefined, what: string, failure: DeliveryFailure): Promise<never> {
    switch (failure.kind) {
      case 'permanent':
        this.logger.warn(`Gave up the ${what}, not retried: ${failure.message}`);
        throw new UnrecoverableError(failure.message);
      case 'rate-limited': {
        const { telegram, email } = this.config.notifications;
        const limit = telegram?.maxRetryAfterSeconds ?? 0;
        if (failure.retryAfterSeconds > limit && email) {
          const reason = `${failure.message}; waiting ${failure.retryAfterSeconds} s is over TELEGRAM_MAX_RETRY_AFTER_SECONDS (${limit}), the e-mail carries this notification`;
          this.logger.warn(`Gave up the ${what}: ${reason}`);
          throw new UnrecoverableError(reason);
        }
        this.logger.warn(`The ${what} waits ${failure.retryAfterSeconds} s as Telegram asked (${failure.message})`);
        await job.moveToDelayed(Date.now() + failure.retryAfterSeconds * 1000, token);
        throw new DelayedError();
      }
      case 'transient': {
        const attempt = job.attemptsMade + 1;
        const attempts = job.opts.attempts ?? 1;
        this.logger.warn(
          attempt < attempts
            ? `The ${what} failed (attempt ${attempt} of ${attempts}, retried with backoff): ${failure.message}`
            : `Gave up the ${what} after ${attempts} attempts: ${failure.message}`,
        );
        throw failure;
      }
    }
  }
}

/**
 * The processor as a provider, registered with this deployment's worker options (`@Processor` takes them
 * statically; they come from config): a job whose worker stopped renewing its lock for
 * `NOTIFY_JOB_LOCK_SECONDS` (killed, frozen) is taken up again by another worker.
 */
export function notificationsProcessorProvider(config: AppConfig): Provider {
  const lockMs = config.notifications.jobLockSeconds * 1000;
  @Processor(NOTIFICATIONS_QUEUE, { concurrency: 4, lockDuration: lockMs, stalledInterval: lockMs })
  class ConfiguredNotificationsProcessor extends NotificationsProcessor {}
  return { provide: NotificationsProcessor, useClass: ConfiguredNotificationsProcessor };
}
