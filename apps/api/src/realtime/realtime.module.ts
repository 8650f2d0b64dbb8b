import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventsPublisher } from './events.publisher';
import { PubSubReconnects } from './pub-sub-reconnects';
import {
  createPublisherRedisClient,
  createRateLimitRedisClient,
  createReadsRedisClient,
  createRedisClient,
  PUB_SUB,
  REDIS,
  REDIS_DIRECT,
  REDIS_RATE_LIMITS,
  REDIS_READS,
  settleUnsubscribes,
} from './redis.providers';
import { LocalFirstPubSub } from './local-first-pubsub';
import { Topics } from './topics';

/** `client` once connected (its clients are created with `lazyConnect`). */
async function connected(client: Redis): Promise<Redis> {
  await client.connect();
  return client;
}

/** Redis connections, pub/sub fan-out and channel names, shared by every feature. */
@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => connected(createRedisClient(config.redisUrl, 'commands')) },
    { provide: REDIS_READS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => connected(createReadsRedisClient(config.redisUrl)) },
    { provide: REDIS_DIRECT, inject: [APP_CONFIG], useFactory: (config: AppConfig) => connected(createPublisherRedisClient(config.redisUrl)) },
    { provide: REDIS_RATE_LIMITS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => connected(createRateLimitRedisClient(config.redisUrl)) },
    {
      provide: PUB_SUB,
      inject: [APP_CONFIG, REDIS_DIRECT],
      useFactory: async (config: AppConfig, publisher: Redis) =>
        new LocalFirstPubSub({ publisher, subscriber: await connected(settleUnsubscribes(createRedisClient(config.redisUrl, 'subscriber'))) }),
    },
    { provide: Topics, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new Topics(config.redisPrefix) },
    {
      provide: PubSubReconnects,
      inject: [PUB_SUB],
      useFactory: (pubSub: RedisPubSub) => new PubSubReconnects(pubSub.getSubscriber() as Redis),
    },
    EventsPublisher,
  ],
  exports: [REDIS, REDIS_READS, REDIS_DIRECT, REDIS_RATE_LIMITS, PUB_SUB, Topics, EventsPublisher, PubSubReconnects],
})
export class RealtimeModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_READS) private readonly reads: Redis,
    @Inject(REDIS_DIRECT) private readonly direct: Redis,
    @Inject(REDIS_RATE_LIMITS) private readonly rateLimits: Redis,
    @Inject(PUB_SUB) private readonly pubSub: RedisPubSub,
  ) {}

  /**
   * Closes every connection gracefully: `QUIT` waits for replies still pending (an `UNSUBSCRIBE` sent while
   * subscriptions ended), so none of them is rejected unhandled; a connection already down is just dropped.
   */
  async onApplicationShutdown(): Promise<void> {
    const close = (client: Redis) => client.quit().then(
      () => undefined,
      () => client.disconnect(),
    );
    await Promise.all([close(this.pubSub.getSubscriber() as Redis), close(this.redis), close(this.reads), close(this.direct), close(this.rateLimits)]);
  }
}
