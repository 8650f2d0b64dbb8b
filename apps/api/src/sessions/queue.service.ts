import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { Subscription } from 'rxjs';
import { ChatSessionStatus } from '../common/enums';
import { UnknownRead } from '../common/unknown-read';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import { PresenceService } from '../presence/presence.service';
import { EventsPublisher } from '../realtime/events.publisher';
import { PubSubReconnects } from '../realtime/pub-sub-reconnects';
import { REDIS } from '../realtime/redis.providers';
import { Topics } from '../realtime/topics';
import { ChatSession } from './chat-session.entity';
import { ChatSessionModel, QueuePlace, QueueSnapshotModel, toChatSessionModel, VersionedQueueSnapshot } from './models/chat-session.model';
import { estimateWaitSeconds } from './queue-estimate';
import { QueueVersions } from './queue-versions';

const PREVIEW_LENGTH = 140;
/** A session's preview: its first visitor message (SQL over `chat_session s`). */
const FIRST_VISITOR_MESSAGE = `SELECT content FROM message m WHERE m.session_id = s.id AND m.sender_role = 'VISITOR' ORDER BY m.seq LIMIT 1`;

/**
 * The waiting queue: FIFO by `queuedAt` (ties by id), positions 1-based, wait estimates from the last
 * `QUEUE_ESTIMATE_SAMPLE` accepts of the past 24 h and the operators online now.
 */
@Injectable()
export class QueueService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(QueueService.name);
  private presenceChanges?: Subscription;
  private stopRebroadcasting?: () => void;
  /** The broadcast being published, and the one queued behind it (see {@link broadcast}). */
  private broadcasting?: Promise<void>;
  private nextBroadcast?: Promise<void>;
  private readonly versions: QueueVersions;
  /** Counter reads that failed ({@link currentPlace}): one warning line, then counts. */
  private readonly unknownVersion = new UnknownRead(this.logger, 'Queue version');

  constructor(
    private readonly em: EntityManager,
    private readonly presence: PresenceService,
    private readonly events: EventsPublisher,
    private readonly reconnects: PubSubReconnects,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) redis: Redis,
    topics: Topics,
  ) {
    this.versions = new QueueVersions(redis, topics.queueVersion());
  }

  /** Re-broadcasts on presence changes, and after Redis comes back (snapshots sent meanwhile were lost). */
  onModuleInit(): void {
    this.presenceChanges = this.presence.changes.subscribe(() => this.broadcastInBackground());
    this.stopRebroadcasting = this.reconnects.listen(() => this.broadcastInBackground());
  }

  onModuleDestroy(): void {
    this.presenceChanges?.unsubscribe();
    this.stopRebroadcasting?.();
    this.unknownVersion.flush();
  }

  /**
   * The whole waiting queue, FIFO, each session with its position, estimate, visitor and preview.
   * One SQL statement, without the ORM: it runs on every join, accept and leave (scenario e of
   * bench/NOTES.md §22), where hydrating every waiting session and its visitor as entities cost more
   * than the query. A WAITING session has no operator.
   */
  async snapshot(): Promise<QueueSnapshotModel> {
    return (await this.readQueue()).snapshot;
  }

  /** {@link snapshot}, with the count of operators online its estimates were made from. */
  private async readQueue(): Promise<{ snapshot: QueueSnapshotModel; operatorsOnline: number }> {
    const em = this.em.fork();
    const [rows, estimator] = await Promise.all([
      sql<WaitingRow>(
        em,
        `SELECT s.id, round(extract(epoch from s.queued_at) * 1000)::float8 AS queued_at_ms, s.last_seq,
                v.id AS visitor_id, v.name, v.email, v.page_url, v.locale, v.verified, v.external_user_id,
                round(extract(epoch from v.created_at) * 1000)::float8 AS visitor_created_at_ms, first.content AS preview
         FROM chat_session s
         JOIN visitor v ON v.id = s.visitor_id
         LEFT JOIN LATERAL (${FIRST_VISITOR_MESSAGE}) first ON true
         WHERE s.status = 'WAITING'
         ORDER BY s.queued_at, s.id`,
      ),
      this.estimator(),
    ]);
    const sessions = rows.map(
      (row, index): ChatSessionModel => ({
        id: row.id,
        status: ChatSessionStatus.WAITING,
        visitor: {
          id: row.visitor_id,
          name: row.name,
          email: row.email,
          pageUrl: row.page_url,
          locale: row.locale,
          verified: row.verified,
          externalUserId: row.external_user_id,
          createdAt: new Date(Number(row.visitor_created_at_ms)),
        },
        operator: null,
        queuedAt: new Date(Number(row.queued_at_ms)),
        acceptedAt: null,
        closedAt: null,
        resolution: null,
        closedBy: null,
        preview: row.preview === null ? null : preview(row.preview),
        lastSeq: row.last_seq,
        queuePosition: index + 1,
        estimatedWaitSeconds: estimator.place(index + 1).estimatedWaitSeconds,
      }),
    );
    return { snapshot: { count: sessions.length, sessions }, operatorsOnline: estimator.operatorsOnline };
  }

  /**
   * The {@link snapshot} now, versioned with the counter's current value read before it
   * ({@link QueueVersions.current}): the first snapshot of a `queueUpdated` subscription, whose listener is
   * in place before this is called. Every change whose broadcast took a version up to this one committed
   * before the read, so is in it (see `QueueSnapshotStream`).
   * @throws the database's or the Redis client's error (an outage: `SERVICE_UNAVAILABLE` to the subscriber).
   */
  async currentSnapshot(): Promise<VersionedQueueSnapshot> {
    const version = await this.versions.current();
    return { ...(await this.snapshot()), version };
  }

  /** Queue place of one WAITING session, with the count of operators online its estimate was made from. */
  async placeOf(session: Pick<ChatSession, 'id' | 'queuedAt'>): Promise<QueuePlace & { operatorsOnline: number }> {
    const [rows, estimator] = await Promise.all([
      sql<{ position: string }>(
        this.em.fork(),
        `SELECT count(*) AS position FROM chat_session
         WHERE status = 'WAITING' AND (queued_at, id) <= (?, ?)`,
        [session.queuedAt, session.id],
      ),
      this.estimator(),
    ]);
    return { ...estimator.place(Number(rows[0].position)), operatorsOnline: estimator.operatorsOnline };
  }

  /**
   * {@link placeOf} now, versioned with the counter's current value read before it
   * ({@link QueueVersions.current}): the first `QueuePositionChanged` of a `sessionEvents` subscription, whose
   * listener is in place before this is called. As for {@link currentSnapshot}, every broadcast that took a
   * version up to this one read the queue after its change committed, and that change is in this place too;
   * `SessionEventStream` then drops those broadcasts' positions (see `QueueSnapshotStream` for the argument).
   *
   * When Redis cannot be read (unreachable, or the connection closed: `isServiceUnavailable`), the place is
   * still answered, without a version, with one warning line (those after it counted in one line per 10 s):
   * the stream then takes the next versioned position whatever its version, and orders positions by position
   * alone until then. While Redis hangs (connected, not answering), this waits for it as the first
   * `queueUpdated` snapshot does; a Redis that hung already failed the stream's `SUBSCRIBE` before this, within
   * `REDIS_COMMAND_TIMEOUT_MS` (`ChannelStream`).
   * @throws the database's error; the Redis client's when it is not an outage (`isServiceUnavailable`).
   */
  async currentPlace(session: Pick<ChatSession, 'id' | 'queuedAt'>): Promise<QueuePlace & { operatorsOnline: number; version?: number }> {
    const version = await this.unknownVersion.or<number | undefined>(
      this.versions.current(),
      undefined,
      "a sessionEvents subscription's first queue position was sent unversioned",
    );
    return { ...(await this.placeOf(session)), version };
  }

  /** The session as the API shows it: with its queue place when WAITING, and its preview. */
  async toModel(session: ChatSession): Promise<ChatSessionModel> {
    const [place, first] = await Promise.all([
      session.status === ChatSessionStatus.WAITING ? this.placeOf(session) : undefined,
      sql<{ content: string | null }>(this.em.fork(), `SELECT (${FIRST_VISITOR_MESSAGE}) AS content FROM chat_session s WHERE s.id = ?`, [session.id]),
    ]);
    const content = first[0]?.content;
    return toChatSessionModel(session, place, content == null ? null : preview(content));
  }

  /**
   * Pushes every waiting visitor its position and estimate (`QueuePositionChanged`) and operators the
   * snapshot (`queueUpdated`), both with the same version. Called after each change to the queue: join,
   * accept, leave, presence.
   *
   * Coalesced per instance: while a broadcast runs, every further call shares one follow-up broadcast
   * that starts when it ends, so it reads a snapshot taken after all those changes. The returned promise
   * settles once a broadcast that started after this call has been published. Under churn (many joins
   * and accepts a second) this turns one full-queue broadcast per change into at most two in flight,
   * instead of a backlog that grows with the square of the queue; positions skipped meanwhile are
   * never needed, because positions only go down.
   *
   * Across instances nothing is coalesced or serialized: two instances' snapshots may reach Redis in
   * either order. So each snapshot is published with a version taken from the shared counter
   * ({@link QueueVersions.next}) BEFORE it is read, after the change that called this was committed: the
   * snapshot with the highest version includes every change whose broadcast took a lower one, and a
   * `queueUpdated` subscription drops a snapshot whose version is not above the last it delivered
   * (`QueueSnapshotStream`), as a `sessionEvents` subscription does a position (`SessionEventStream`).
   */
  broadcast(): Promise<void> {
    if (!this.broadcasting) {
      this.broadcasting = this.publishSnapshot().finally(() => (this.broadcasting = undefined));
      return this.broadcasting;
    }
    this.nextBroadcast ??= this.broadcasting
      .catch(() => undefined)
      .then(() => {
        this.nextBroadcast = undefined;
        return this.broadcast();
      });
    return this.nextBroadcast;
  }

  private async publishSnapshot(): Promise<void> {
    const version = await this.versions.next(); // before the read: see broadcast()
    const { snapshot, operatorsOnline } = await this.readQueue();
    await this.events.publishSessionEvents(
      snapshot.sessions.map((s) => ({
        __typename: 'QueuePositionChanged',
        sessionId: s.id,
        position: s.queuePosition!,
        estimatedWaitSeconds: s.estimatedWaitSeconds ?? null,
        operatorsOnline,
        version,
      })),
    );
    await this.events.publishQueue({ ...snapshot, version });
  }

  /** {@link broadcast} without awaiting; a failure is logged (the next change re-broadcasts). */
  broadcastInBackground(): void {
    this.broadcast().catch((error: Error) => this.logger.warn(`Queue broadcast failed: ${error.message}`));
  }

  /**
   * What wait estimates are made from: operators ONLINE now (across instances) and recent waits, read once.
   *
   * When Redis cannot tell how many operators are online (no answer within `REDIS_COMMAND_TIMEOUT_MS`,
   * 2000 ms, or unreachable), one is assumed, with one warning line (grouped, `PresenceService.readOr`): a
   * waiting visitor's `session` (its queue position) and `startSession` back to its open chat, and the
   * operators' `waitingSessions`, are still answered, with the longest estimate anyone online would give
   * (the median recent wait, or `QUEUE_FALLBACK_WAIT_SECONDS` without history, times the position) and
   * `operatorsOnline` 1. Not 0: the widget would then tell the visitor that nobody is online (a `null`
   * estimate), which is nearly always wrong. The next broadcast after Redis answers again publishes the
   * real figure.
   */
  private async estimator(): Promise<{ operatorsOnline: number; place: (position: number) => QueuePlace }> {
    const [operatorsOnline, rows] = await Promise.all([
      this.presence.readOr(this.presence.onlineCount(), 1, 'wait estimates assume one operator online'),
      sql<{ wait: string }>(
        this.em.fork(),
        `SELECT EXTRACT(EPOCH FROM accepted_at - queued_at) AS wait FROM chat_session
         WHERE accepted_at > now() - interval '24 hours'
         ORDER BY accepted_at DESC LIMIT ?`,
        [this.config.queueEstimateSample],
      ),
    ]);
    const recentWaitsSeconds = rows.map((r) => Number(r.wait));
    return {
      operatorsOnline,
      place: (position) => ({
        position,
        estimatedWaitSeconds: estimateWaitSeconds({
          position,
          recentWaitsSeconds,
          operatorsOnline,
          fallbackSeconds: this.config.queueFallbackWaitSeconds,
        }),
      }),
    };
  }
}

/** A waiting session with its visitor and first visitor message, as {@link QueueService.snapshot} reads it. */
interface WaitingRow {
  id: string;
  /** Unix ms (as message-store reads `sent_at`: the driver hands timestamps to MikroORM as text). */
  queued_at_ms: number | string;
  last_seq: number;
  visitor_id: string;
  name: string | null;
  email: string | null;
  page_url: string | null;
  locale: string | null;
  verified: boolean;
  external_user_id: string | null;
  visitor_created_at_ms: number | string;
  preview: string | null;
}

/** The first {@link PREVIEW_LENGTH} code points of a message. */
function preview(content: string): string {
  return Array.from(content).slice(0, PREVIEW_LENGTH).join('');
}
