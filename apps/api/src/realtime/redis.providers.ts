import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** Injection token of the shared ioredis client for commands (presence, queue, jobs' bookkeeping). */
export const REDIS = Symbol('REDIS');
/**
 * Injection token of the ioredis client for what every message does on its own: its rate-limit check
 * and its `PUBLISH` (every publish goes through it). Without auto-pipelining: ioredis builds a
 * `Pipeline` per tick for auto-pipelined commands, which on this path holds one command nearly always
 * (API CPU −5 points at 1,000 msg/s, bench/NOTES.md §18); the commands of presence and the queue,
 * which come in bursts, stay on the auto-pipelined {@link REDIS}. Its commands fail after
 * {@link REDIS_COMMAND_TIMEOUT_MS} ({@link createDirectRedisClient}).
 */
export const REDIS_DIRECT = Symbol('REDIS_DIRECT');
/** Injection token of the {@link RedisPubSub} used for GraphQL subscription fan-out. */
export const PUB_SUB = Symbol('PUB_SUB');

const logger = new Logger('Redis');

/**
 * An ioredis client that retries forever with capped backoff (so a Redis restart heals itself)
 * and logs one line per connection problem instead of a stack trace; auto-pipelining unless turned off.
 * With `commandTimeoutMs` a command Redis has not answered within that many ms fails with
 * `Command timed out` (the connection stays open); never give one to a client running blocking commands
 * (BullMQ's, a subscriber), whose replies rightly take long.
 */
export function createRedisClient(
  url: string,
  role: string,
  { autoPipelining = true, commandTimeoutMs }: { autoPipelining?: boolean; commandTimeoutMs?: number } = {},
): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: autoPipelining,
    commandTimeout: commandTimeoutMs,
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
 * How long (ms) the {@link REDIS_DIRECT} client waits for Redis to answer a command before failing it with
 * ioredis' `Command timed out`: far beyond a healthy Redis' answer, short enough that a message does not
 * wait long on one that hangs.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * The {@link REDIS_DIRECT} client, whose commands fail after {@link REDIS_COMMAND_TIMEOUT_MS}: when Redis
 * hangs without closing the connection (a stalled server, a network partition), the rate limiter counts
 * in memory instead (its insurance limiter answers a failed command) and a `PUBLISH` fails, instead of
 * both waiting until Redis answers. That error reaches a client as `SERVICE_UNAVAILABLE` (retryable).
 */
export function createDirectRedisClient(url: string): Redis {
  return createRedisClient(url, 'per-message commands', { autoPipelining: false, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS });
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
