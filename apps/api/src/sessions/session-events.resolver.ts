import { EntityManager } from '@mikro-orm/postgresql';
import { Inject } from '@nestjs/common';
import { Args, Extensions, ID, Int, Resolver, Subscription } from '@nestjs/graphql';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { EVENT_ONLY_RESOLVE } from '../common/compiled-execution';
import { ChatSessionStatus } from '../common/enums';
import { listMessages } from '../messages/message-store';
import { MetricsService } from '../metrics/metrics.service';
import { PubSubReconnects } from '../realtime/pub-sub-reconnects';
import { PUB_SUB } from '../realtime/redis.providers';
import { Topics } from '../realtime/topics';
import { QueueSnapshotModel, VersionedQueueSnapshot } from './models/chat-session.model';
import { SessionEventPayload, SessionEventUnion } from './models/session-event.model';
import { QueueSnapshotStream } from './queue-snapshot-stream';
import { QueueService } from './queue.service';
import { assertReadableHead, readSessionHead } from './session-access';
import { SessionEventStream } from './session-event-stream';

@Resolver()
export class SessionEventsResolver {
  constructor(
    private readonly em: EntityManager,
    private readonly queue: QueueService,
    private readonly topics: Topics,
    @Inject(PUB_SUB) private readonly pubSub: RedisPubSub,
    private readonly reconnects: PubSubReconnects,
    private readonly metrics: MetricsService,
  ) {}

  @Subscription(() => SessionEventUnion, {
    description:
      'Everything that happens in one chat session. With `afterSeq`, every stored message with a greater seq ' +
      'comes first, then live events, with no gap and no duplicate; without it, live events only. ' +
      'A waiting visitor first gets its current QueuePositionChanged. Errors: NOT_FOUND, FORBIDDEN, UNAUTHENTICATED.',
    resolve: (payload: SessionEventPayload) => payload,
  })
  // The event as it is, for every subscriber: mapped once per document (`sameForEverySubscriber`).
  @Extensions({ [EVENT_ONLY_RESOLVE]: true })
  @Allow('visitor', 'operator')
  async sessionEvents(
    @CurrentPrincipal() principal: Principal,
    @Args('sessionId', { type: () => ID }) sessionId: string,
    @Args('afterSeq', { type: () => Int, nullable: true }) afterSeq?: number,
  ): Promise<AsyncIterableIterator<SessionEventPayload>> {
    // Thousands of widgets (re)subscribe at once after a deploy: plain SQL on the shared connection
    // pool here, no entity manager fork, no entities (see bench/NOTES.md).
    await assertReadableHead(this.em, principal, sessionId);
    return new SessionEventStream(
      {
        pubSub: this.pubSub,
        topic: this.topics.session(sessionId),
        loadMessages: (after, before, limit) => listMessages(this.em, sessionId, { afterSeq: after, beforeSeq: before, limit }),
        currentLastSeq: async () => (await readSessionHead(this.em, sessionId))?.lastSeq ?? 0,
        initialEvents: async () => {
          const head = await readSessionHead(this.em, sessionId);
          if (head?.status !== ChatSessionStatus.WAITING) return [];
          return [{ __typename: 'QueuePositionChanged', sessionId, ...(await this.queue.currentPlace(head)) }];
        },
        onResubscribed: (listener) => this.reconnects.listen(listener),
        metrics: this.metrics.sessionStream(),
      },
      afterSeq,
    );
  }

  @Subscription(() => QueueSnapshotModel, {
    description:
      'Operator: the whole waiting queue, first as it is now, then whenever it changes (join, accept, leave, presence), ' +
      'never an older queue after a newer one; again as it is now after the server lost and regained Redis. ' +
      'Errors: FORBIDDEN, UNAUTHENTICATED; SERVICE_UNAVAILABLE (retryable) ends the stream when the queue cannot be read.',
    resolve: (payload: VersionedQueueSnapshot) => payload,
  })
  @Extensions({ [EVENT_ONLY_RESOLVE]: true })
  @Allow('operator')
  queueUpdated(): QueueSnapshotStream {
    return new QueueSnapshotStream({
      pubSub: this.pubSub,
      topic: this.topics.queue(),
      currentSnapshot: () => this.queue.currentSnapshot(),
      onResubscribed: (listener) => this.reconnects.listen(listener),
      metrics: this.metrics.queueStream(),
    });
  }
}
