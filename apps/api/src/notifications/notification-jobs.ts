import { registerEnumType } from '@nestjs/graphql';
import type { JobsOptions, QueueOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';

/** BullMQ queue of notification jobs. Its Redis keys start with `<REDIS_PREFIX>:bull:notifications:`. */
export const NOTIFICATIONS_QUEUE = 'notifications';

/** Why operators are notified about a chat session. */
export enum NotificationEvent {
  /** The session entered the waiting queue while no operator was online. */
  NEW_SESSION = 'new-session',
  /** The session has been waiting longer than `NOTIFY_WAITING_THRESHOLD_SECONDS`. */
  LONG_WAIT = 'long-wait',
}

/** Where notifications go. */
export enum NotificationChannel {
  TELEGRAM = 'TELEGRAM',
  EMAIL = 'EMAIL',
}

registerEnumType(NotificationChannel, { name: 'NotificationChannel', description: 'A way operators are notified.' });

/** One destination of a channel: a Telegram chat, or the `NOTIFY_EMAILS` list (one e-mail to all of them). */
export type ChannelTarget = { channel: NotificationChannel.TELEGRAM; chatId: string } | { channel: NotificationChannel.EMAIL };

/** Data of one notification job: one event of one chat session to one destination. */
export interface NotificationJobData {
  event: NotificationEvent;
  sessionId: string;
  target: ChannelTarget;
}

/** The destination as stored in the delivery record and used in job ids: `telegram/<chat id>` or `email`. */
export function targetKey(target: ChannelTarget): string {
  return target.channel === NotificationChannel.TELEGRAM ? `telegram/${target.chatId}` : 'email';
}

/** Job id derived from what the job delivers, so enqueuing the same notification twice makes one job. */
export function notificationJobId(data: NotificationJobData): string {
  return `${data.event}.${data.sessionId}.${targetKey(data.target)}`;
}

/** A notification job as `Queue.add`/`addBulk` take it: named after its event, with its {@link notificationJobId}. */
export interface NotificationJob {
  name: NotificationEvent;
  data: NotificationJobData;
  /** `delay`: milliseconds from now before the job may run (BullMQ keeps it in the delayed set until then). */
  opts: { jobId: string; delay: number };
}

/**
 * The job delivering `event` of chat session `sessionId` to `target`, due in `delayMs` milliseconds. Adding it
 * while a job with its id exists in the queue — waiting, delayed, active, or completed or failed and still kept
 * — adds nothing (BullMQ job ids, https://docs.bullmq.io/guide/jobs/job-ids: the `add*Job` scripts return the
 * existing id when the job's key exists), so every producer (`sessionQueued`, the sweep) builds it here.
 */
export function notificationJob(event: NotificationEvent, sessionId: string, target: ChannelTarget, delayMs: number): NotificationJob {
  const data: NotificationJobData = { event, sessionId, target };
  return { name: event, data, opts: { jobId: notificationJobId(data), delay: delayMs } };
}

/** Every destination configured now. */
export function configuredTargets(config: AppConfig): ChannelTarget[] {
  const { telegram, email } = config.notifications;
  return [
    ...(telegram?.chatIds ?? []).map((chatId): ChannelTarget => ({ channel: NotificationChannel.TELEGRAM, chatId })),
    ...(email ? [{ channel: NotificationChannel.EMAIL } as const] : []),
  ];
}

/**
 * Queue options shared by producers and workers: the connection, the key prefix derived from
 * `REDIS_PREFIX` (so deployments and test runs sharing a Redis never take each other's jobs), and the
 * retry policy — BullMQ's exponential backoff (`NOTIFY_BACKOFF_MS` × 2^(attempt−1)) for at most
 * `NOTIFY_ATTEMPTS` attempts; a job that fails for good stays in the failed set for inspection, a
 * completed one is kept for a week (so its id still deduplicates).
 */
export function notificationQueueOptions(config: AppConfig): QueueOptions {
  const defaultJobOptions: JobsOptions = {
    attempts: config.notifications.attempts,
    backoff: { type: 'exponential', delay: config.notifications.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: false,
  };
  return { connection: { url: config.redisUrl }, prefix: `${config.redisPrefix}:bull`, defaultJobOptions };
}
