import { Inject, Injectable } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { SessionEventPayload } from '../sessions/models/session-event.model';
import type { QueueSnapshotModel } from '../sessions/models/chat-session.model';
import { PUB_SUB } from './redis.providers';
import { Topics } from './topics';

/**
 * Publishes events through Redis so every API instance delivers them to its subscribers.
 * Call only after the data the event describes is committed (write, commit, then publish).
 */
@Injectable()
export class EventsPublisher {
  constructor(
    @Inject(PUB_SUB) private readonly pubSub: RedisPubSub,
    private readonly topics: Topics,
  ) {}

  publishSessionEvent(event: SessionEventPayload): Promise<void> {
    return this.pubSub.publish(this.topics.session(event.sessionId), event);
  }

  publishQueue(snapshot: QueueSnapshotModel): Promise<void> {
    return this.pubSub.publish(this.topics.queue(), snapshot);
  }
}
