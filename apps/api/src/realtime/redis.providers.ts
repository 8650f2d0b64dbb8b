import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** Injection token of the shared ioredis client for commands (presence, queue, jobs' bookkeeping). */
export const REDIS = Symbol('REDIS');
/**
 * Injection token of the ioredis client for what every message does on its own: its rate-limit check
 * and its `PUBLISH` (every publish goes through it). Without auto-pipelining: ioredis builds a
 * `Pipeline` per tick for auto-pipelined commands, which on this path holds one command nearly always
 * (API CPU −5 points at 1,000 msg/s, bench/NOTES.md §18); the commands of presence and the queue,
 * which come in bursts, stay on the auto-pipelined {@link REDIS}.
 */
export const REDIS_DIRECT = Symbol('REDIS_DIRECT');
/** Injection token of the {@link RedisPubSub} used for GraphQL subscription fan-out. */
export const PUB_SUB = Symbol('PUB_SUB');

const logger = new Logger('Redis');

/**
 * An ioredis client that retries forever with capped backoff (so a Redis restart heals itself)
 * and logs one line per connection problem instead of a stack trace; auto-pipelining unless turned off.
 */
export function createRedisClient(url: string, role: string, { autoPipelining = true }: { autoPipelining?: boolean } = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: autoPipelining,
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
