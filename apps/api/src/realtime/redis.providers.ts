import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** Injection token of the shared ioredis client for commands (presence, counters) and publishing. */
export const REDIS = Symbol('REDIS');
/** Injection token of the {@link RedisPubSub} used for GraphQL subscription fan-out. */
export const PUB_SUB = Symbol('PUB_SUB');

const logger = new Logger('Redis');

/**
 * An ioredis client that retries forever with capped backoff (so a Redis restart heals itself)
 * and logs one line per connection problem instead of a stack trace.
 */
export function createRedisClient(url: string, role: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    const line = `Redis (${role}) at REDIS_URL unreachable: ${error.message}`;
    if (line !== lastError) logger.warn(line);
    lastError = line;
  });
  client.on('ready', () => {
    if (lastError) logger.log(`Redis (${role}) connected again`);
    lastError = '';
  });
  return client;
}

/**
 * graphql-redis-subscriptions sends `UNSUBSCRIBE` without handling its promise; one sent while the
 * connection closes (sockets ending during shutdown) would reject unhandled. There is nothing left to
 * unsubscribe from on a closed connection, so those replies are settled here.
 */
export function settleUnsubscribes(client: Redis): Redis {
  const unsubscribe = client.unsubscribe.bind(client) as (...channels: string[]) => Promise<unknown>;
  const punsubscribe = client.punsubscribe.bind(client) as (...patterns: string[]) => Promise<unknown>;
  Object.assign(client, {
    unsubscribe: (...channels: string[]) => unsubscribe(...channels).catch(() => undefined),
    punsubscribe: (...patterns: string[]) => punsubscribe(...patterns).catch(() => undefined),
  });
  return client;
}
