import Redis from 'ioredis';

/**
 * Seeds the counter KEYS[1] when it is missing (first use, Redis restarted empty, key deleted) with Redis'
 * clock in microseconds since the Unix epoch, then adds ARGV[1] (1 to take a version, 0 to read the
 * current one) and returns the counter. One script, so two instances seeding at once cannot both seed.
 */
const VERSION = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], now[1] .. string.format('%06d', now[2]))
end
return redis.call('INCRBY', KEYS[1], ARGV[1])`;

/**
 * The versions of the waiting queue's snapshots: one counter in Redis shared by every API instance
 * (`Topics.queueVersion`), so that snapshots published by different instances can be ordered (see
 * `QueueSnapshotStream` for why the highest version is the freshest).
 *
 * Redis keeps nothing on disk here: after a restart the counter is gone. It is then seeded from Redis'
 * clock (µs since the epoch), so versions keep growing across restarts as long as the counter was taken
 * fewer than once per microsecond on average before — and a snapshot taken before the restart but published
 * after it (ioredis sends commands queued while Redis was away once it is back) has a lower version than
 * every snapshot after it. Versions stay below `Number.MAX_SAFE_INTEGER` (2^53 − 1) until the year 2255.
 */
export class QueueVersions {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  /**
   * A new version, higher than every version taken or read before (Redis `INCR`). Take it BEFORE reading the
   * snapshot it versions. @throws the Redis client's error when Redis cannot be reached.
   */
  async next(): Promise<number> {
    return Number(await this.redis.eval(VERSION, 1, this.key, 1));
  }

  /**
   * The counter's current value (Redis `GET`): the highest version taken so far. Read it BEFORE reading the
   * snapshot it versions. @throws the Redis client's error when Redis cannot be reached.
   */
  async current(): Promise<number> {
    return Number(await this.redis.eval(VERSION, 1, this.key, 0));
  }
}
