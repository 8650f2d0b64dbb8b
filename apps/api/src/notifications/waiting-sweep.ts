import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import { describeError } from './delivery-failure';
import { ChannelTarget, configuredTargets, NOTIFICATIONS_QUEUE, NotificationEvent, notificationJob, NotificationJobData } from './notification-jobs';
import { logChangedErrors } from './queue-errors';

/** Id of the BullMQ job scheduler that produces the sweep jobs, one per `NOTIFY_SWEEP_INTERVAL_SECONDS`. */
export const WAITING_SWEEP_SCHEDULER = 'sweep-waiting-sessions';
/** Name of the sweep jobs on the notifications queue (the notification jobs are named after their event). */
export const WAITING_SWEEP_JOB = 'sweep-waiting-sessions';
/** A sweep reads the sessions queued within this many hours (older ones are not looked at again). */
export const SWEEP_LOOKBACK_HOURS = 24;
/** At most this many sessions per sweep, the longest-waiting first. */
export const SWEEP_MAX_SESSIONS = 1000;

/** A WAITING chat session as a sweep reads it. */
export interface SweptSession {
  id: string;
  /** Milliseconds until its `long-wait` notification is due: max(0, queuedAt + threshold − now), PostgreSQL's clock. */
  dueInMs: number;
}

/**
 * The WAITING chat sessions queued within the last `lookbackHours` hours, the longest-waiting first, at most
 * `limit` of them, each with how long until its `long-wait` notification is due (`thresholdSeconds` after
 * `queued_at`). `queued_at` is written with PostgreSQL's `now()` (`startSession`), so the delay is computed
 * by PostgreSQL too: the API's and the database's clocks need not agree. One index range scan
 * (`chat_session_waiting_queue`, status + queued_at).
 */
export async function waitingSessions(em: EntityManager, thresholdSeconds: number, lookbackHours: number, limit: number): Promise<SweptSession[]> {
  const rows = await sql<{ id: string; due_in_ms: number | string }>(
    em,
    `SELECT id, greatest(0, extract(epoch FROM queued_at + make_interval(secs => ?) - now()) * 1000)::float8 AS due_in_ms
     FROM chat_session
     WHERE status = 'WAITING' AND queued_at > now() - make_interval(hours => ?)
     ORDER BY queued_at, id
     LIMIT ?`,
    [thresholdSeconds, lookbackHours, limit],
  );
  return rows.map((row) => ({ id: row.id, dueInMs: Math.ceil(Number(row.due_in_ms)) }));
}

/**
 * Heals lost `long-wait` enqueues. `startSession` commits a chat session and then adds its notification jobs
 * without waiting (`NotificationsService.sessionQueued`): a process that dies in between (crash, OOM kill,
 * SIGKILL in a deploy), or a Redis that is down until the process ends, leaves a session nobody is ever told
 * about. Every `NOTIFY_SWEEP_INTERVAL_SECONDS` (60 s) one sweep, for the whole deployment, re-adds the
 * `long-wait` job of every session still WAITING ({@link waitingSessions}: queued within the last
 * {@link SWEEP_LOOKBACK_HOURS} h, the longest-waiting {@link SWEEP_MAX_SESSIONS} — beyond that many waiting
 * chats, the newer ones wait for older ones to leave the queue before a sweep looks at them) for every
 * configured destination, with the same job id as `sessionQueued`'s ({@link notificationJob}) and a delay of
 * max(0, queuedAt + `NOTIFY_WAITING_THRESHOLD_SECONDS` − now). A job that exists — delayed, waiting, active,
 * or completed or failed and still kept (a week, and for good) — makes the add a no-op (BullMQ job ids), so a
 * session whose jobs were added normally is never notified twice; the processor's rules still apply when the
 * job runs (delivered already: nothing; no longer WAITING: nothing).
 *
 * `new-session` jobs are not re-added: whether an operator was online when the session started is not known
 * later, and the `long-wait` one tells operators of a chat nobody was told about, at most a threshold late.
 *
 * Scheduling is BullMQ's (a job scheduler, https://docs.bullmq.io/guide/job-schedulers): the scheduler lives
 * in Redis, and each of its jobs is taken by one worker, so M worker processes sweep once per period, not M
 * times, and a restarted worker neither loses the schedule nor adds a second one. Every process that runs
 * the processor upserts it at start and checks once per period that it still exists (a Redis restarted
 * without persistence loses it), upserting it again only when it is missing or has another interval; give
 * every process the same `NOTIFY_SWEEP_INTERVAL_SECONDS`. 0 turns the sweep off: a sweep job that still
 * comes removes the scheduler instead.
 */
@Injectable()
export class WaitingSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private readonly scheduleErrors = logChangedErrors(this.logger, 'Sweep of waiting chat sessions not scheduled');
  private readonly targets: ChannelTarget[];
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private scheduling = false;

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue<NotificationJobData>,
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.targets = configuredTargets(config);
    this.intervalMs = config.notifications.sweepIntervalSeconds * 1000;
  }

  /** Upserts the job scheduler in the background (start-up never waits for Redis), then checks it every period. */
  onApplicationBootstrap(): void {
    if (this.intervalMs === 0) return;
    void this.keepScheduled();
    this.timer = setInterval(() => void this.keepScheduled(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * One sweep (see the class). Never throws: an unreachable PostgreSQL or Redis is logged as one warning line,
   * without a stack trace, and the next period's sweep tries again.
   * @returns what it did, kept as the sweep job's return value.
   */
  async run(): Promise<string> {
    try {
      if (this.intervalMs === 0) {
        await this.queue.removeJobScheduler(WAITING_SWEEP_SCHEDULER);
        return 'not run: NOTIFY_SWEEP_INTERVAL_SECONDS is 0, the job scheduler is removed';
      }
      const sessions = await waitingSessions(this.em.fork(), this.config.notifications.waitingThresholdSeconds, SWEEP_LOOKBACK_HOURS, SWEEP_MAX_SESSIONS);
      if (sessions.length > 0) {
        await this.queue.addBulk(
          sessions.flatMap((session) => this.targets.map((target) => notificationJob(NotificationEvent.LONG_WAIT, session.id, target, session.dueInMs))),
        );
      }
      return `swept ${sessions.length} waiting chat session(s)`;
    } catch (error) {
      const line = `Sweep of waiting chat sessions failed, tried again in ${this.intervalMs / 1000} s: ${describeError(error)}`;
      this.logger.warn(line);
      return line;
    }
  }

  /** Upserts the scheduler when it is missing or has another interval; a failure is one line per new problem. */
  private async keepScheduled(): Promise<void> {
    if (this.scheduling) return; // the previous check still waits for Redis
    this.scheduling = true;
    try {
      const scheduler = await this.queue.getJobScheduler(WAITING_SWEEP_SCHEDULER);
      if (scheduler?.every === this.intervalMs) return;
      // The template's options replace the queue's defaults for sweep jobs: one attempt (the next period is
      // the retry), and only the last few kept.
      await this.queue.upsertJobScheduler(
        WAITING_SWEEP_SCHEDULER,
        { every: this.intervalMs },
        { name: WAITING_SWEEP_JOB, opts: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } } },
      );
    } catch (error) {
      this.scheduleErrors(new Error(describeError(error)));
    } finally {
      this.scheduling = false;
    }
  }
}
