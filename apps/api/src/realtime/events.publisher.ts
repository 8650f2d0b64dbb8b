import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type Redis from 'ioredis';
import type { SessionEventPayload } from '../sessions/models/session-event.model';
import type { VersionedQueueSnapshot } from '../sessions/models/chat-session.model';
import { GroupedWarning } from '../common/grouped-warning';
import { PUB_SUB } from './redis.providers';
import { Topics } from './topics';

/** How long (ms) events not published after a first one are counted into one warning line. */
export const UNPUBLISHED_REPORT_MS = 1000;

/**
 * Publishes events through Redis so every API instance delivers them to its subscribers.
 * Call only after the data the event describes is committed (write, commit, then publish).
 */
@Injectable()
export class EventsPublisher implements OnModuleDestroy {
  /** Events not published: the first at once, then one line per {@link UNPUBLISHED_REPORT_MS} for those after it. */
  private readonly unpublished = new GroupedWarning(
    new Logger('EventsPublisher'),
    UNPUBLISHED_REPORT_MS,
    (detail) => `${detail}; other instances catch up from PostgreSQL`,
    (count) => `${count} more event(s) not published to Redis within ${UNPUBLISHED_REPORT_MS / 1000} s; other instances catch up from PostgreSQL`,
  );

  constructor(
    @Inject(PUB_SUB) private readonly pubSub: RedisPubSub,
    private readonly topics: Topics,
  ) {}

  /** Publishes and settles when Redis has taken the event. @throws the Redis client's error when it cannot. */
  publishSessionEvent(event: SessionEventPayload): Promise<void> {
    return this.pubSub.publish(this.topics.session(event.sessionId), event);
  }

  /**
   * Publishes many events at once (a queue change's positions, one per waiting visitor) with their
   * `PUBLISH` commands in one write: the Redis connection is corked while they are issued, so 500
   * waiting visitors cost one system call instead of 500 (scenario e, bench/NOTES.md §22). Settles when
   * Redis has taken all of them. @throws the Redis client's error when it cannot.
   */
  async publishSessionEvents(events: SessionEventPayload[]): Promise<void> {
    const connection = (this.pubSub.getPublisher() as Redis).stream;
    connection?.cork();
    let published: Array<Promise<void>>;
    try {
      published = events.map((event) => this.publishSessionEvent(event));
    } finally {
      connection?.uncork();
    }
    await Promise.all(published);
  }

  /**
   * Publishes an event about committed data without waiting for Redis' reply: this instance's subscribers
   * have it before this returns (`LocalFirstPubSub`), other instances a moment later; a sender's answer thus
   * leaves in the same write as this instance's deliveries (bench/NOTES.md). What an event announces is
   * already stored, so a lost one costs nothing stored: a message (`MessageCreated`, also the system line
   * beside `OperatorJoined` and `SessionClosed`) has its seq, and every `sessionEvents` stream fills seq gaps
   * from PostgreSQL and catches up by itself when Redis is back; a chat's state is read again by clients
   * that resume. Events of one call to this, or of calls in a row, reach Redis in that order (one
   * connection). A failure is never thrown: the first of a burst is logged at once, those after it counted
   * in one line per {@link UNPUBLISHED_REPORT_MS} (an outage fails every event).
   */
  announce(event: SessionEventPayload): void {
    this.publishSessionEvent(event).catch((error: Error) => {
      const what = event.__typename === 'MessageCreated' ? `Message ${event.message.seq}` : event.__typename;
      this.unpublished.add(`${what} of session ${event.sessionId} not published to Redis (${error.message})`);
    });
  }

  /**
   * Publishes a queue snapshot with its version to every instance's `queueUpdated` subscribers; settles
   * when Redis has taken it. @throws the Redis client's error when it cannot.
   */
  publishQueue(snapshot: VersionedQueueSnapshot): Promise<void> {
    return this.pubSub.publish(this.topics.queue(), snapshot);
  }

  /** Writes the count of messages not published that is still gathering, if any. */
  onModuleDestroy(): void {
    this.unpublished.flush();
  }
}
