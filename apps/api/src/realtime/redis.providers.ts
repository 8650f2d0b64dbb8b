import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * Injection token of the shared ioredis client for commands (presence, queue, jobs' bookkeeping). No command
 * timeout: a write given up on would still run once a Redis that hangs resumes, its reply (and what the API
 * does with it, e.g. report a presence change) lost; reads that have an answer for "unknown now" go through
 * {@link REDIS_READS} instead.
 */
export const REDIS = Symbol('REDIS');
/**
 * Injection token of the ioredis client for reads whose callers answer without them when Redis does not
 * answer in time (presence: `ChatSession.visitorPresence`, wait estimates, notifications): its commands fail
 * after {@link REDIS_COMMAND_TIMEOUT_MS} ({@link createReadsRedisClient}). Reads only: never a write, nor a
 * read whose answer reports a write (that one must wait like the write).
 */
export const REDIS_READS = Symbol('REDIS_READS');
/**
 * Injection token of the ioredis client for the `PUBLISH` every message and event makes (graphql-redis-
 * subscriptions' publisher). Without auto-pipelining: ioredis builds a `Pipeline` per tick for
 * auto-pipelined commands, which on this path holds one command nearly always (API CPU −5 points at
 * 1,000 msg/s, bench/NOTES.md §18); the commands of presence and the queue, which come in bursts, stay on
 * the auto-pipelined {@link REDIS}. No command timeout: an event is published after what it describes is
 * committed, so a publish to a Redis that hangs waits for it rather than failing work already done.
 */
export const REDIS_DIRECT = Symbol('REDIS_DIRECT');
/**
 * Injection token of the ioredis client of the rate limits (one request per lease, on a message's path),
 * without auto-pipelining like {@link REDIS_DIRECT}, and whose commands fail after
 * {@link REDIS_COMMAND_TIMEOUT_MS} ({@link createRateLimitRedisClient}).
 */
export const REDIS_RATE_LIMITS = Symbol('REDIS_RATE_LIMITS');
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
 * How long (ms) the {@link REDIS_RATE_LIMITS} and {@link REDIS_READS} clients wait for Redis to answer a command
 * before failing it with ioredis' `Command timed out`: far beyond a healthy Redis' answer, short enough that a message does not
 * wait long on one that hangs. Also how long a subscription (`sessionEvents`, `queueUpdated`) waits for Redis
 * to confirm its channel's `SUBSCRIBE` before it fails with `SERVICE_UNAVAILABLE`, retryable (`ChannelStream`):
 * the subscriber connection itself has no command timeout, its `SUBSCRIBE`s stay in force for as long as it is open.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/** The {@link REDIS_DIRECT} client: without auto-pipelining, and no command timeout (a publish waits for a Redis that hangs). */
export function createPublisherRedisClient(url: string): Redis {
  return createRedisClient(url, 'publisher', { autoPipelining: false });
}

/**
 * The {@link REDIS_RATE_LIMITS} client, whose commands fail after {@link REDIS_COMMAND_TIMEOUT_MS}: when
 * Redis hangs without closing the connection (a stalled server, a network partition), the rate limiter
 * counts in memory instead (its insurance limiter answers a failed command), so a message does not wait
 * for that Redis to answer before it is stored.
 */
export function createRateLimitRedisClient(url: string): Redis {
  return createRedisClient(url, 'rate limits', { autoPipelining: false, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS });
}

/**
 * The {@link REDIS_READS} client, whose commands fail with `Command timed out` after
 * {@link REDIS_COMMAND_TIMEOUT_MS} (also while it is disconnected and they wait in its offline queue): when
 * Redis hangs without closing the connection, a read's caller gets that error within 2 s and answers
 * without it, instead of waiting for as long as the hang lasts. A late reply is dropped; the connection
 * stays open and serves the next reads once Redis answers again. Without auto-pipelining: ioredis sends an
 * auto-pipeline only once the one before it on the connection has settled, and a command's timeout starts
 * when it is sent, so a read made while a hanging one is in flight would wait up to twice as long.
 */
export function createReadsRedisClient(url: string): Redis {
  return createRedisClient(url, 'reads', { autoPipelining: false, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS });
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
