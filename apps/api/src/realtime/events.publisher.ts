import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type Redis from 'ioredis';
import type { SessionEventPayload } from '../sessions/models/session-event.model';
import type { VersionedQueueSnapshot } from '../sessions/models/chat-session.model';
import { GroupedWarning } from '../common/grouped-warning';
import { PUB_SUB } from './redis.providers';
import { Topics } from './topics';

/** How long (ms) messages not published after a first one are counted into one warning line. */
export const UNPUBLISHED_REPORT_MS = 1000;

/**
 * Publishes events through Redis so every API instance delivers them to its subscribers.
 * Call only after the data the event describes is committed (write, commit, then publish).
 */
@Injectable()
export class EventsPublisher implements OnModuleDestroy {
  /** Messages not published: the first at once, then one line per {@link UNPUBLISHED_REPORT_MS} for those after it. */
  private readonly unpublished = new GroupedWarning(
    new Logger('EventsPublisher'),
    UNPUBLISHED_REPORT_MS,
    (detail) => `${detail}; other instances catch up from PostgreSQL`,
    (count) => `${count} more message(s) not published to Redis within ${UNPUBLISHED_REPORT_MS / 1000} s; other instances catch up from PostgreSQL`,
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
   * Publishes a stored message without waiting for Redis' reply: this instance's subscribers have it
   * before this returns (`LocalFirstPubSub`), other instances a moment later; the sender's answer thus
   * leaves in the same write as this instance's deliveries (bench/NOTES.md). A message is already committed
   * with its seq, so a lost event costs no message: every `sessionEvents` stream fills seq gaps from
   * PostgreSQL and catches up by itself when Redis is back. A failure is never thrown: the first of a burst is
   * logged at once, those after it counted in one line per {@link UNPUBLISHED_REPORT_MS} (an outage fails
   * every message).
   */
  announceMessage(event: Extract<SessionEventPayload, { __typename: 'MessageCreated' }>): void {
    this.publishSessionEvent(event).catch((error: Error) =>
      this.unpublished.add(`Message ${event.message.seq} of session ${event.sessionId} not published to Redis (${error.message})`),
    );
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
