import Redis from 'ioredis';

/** Whose WebSocket connections are tracked: the operator console's or the visitor widget's. */
export type ParticipantKind = 'operator' | 'visitor';

/**
 * Adds or refreshes one socket (score = expiry, Unix ms) and its participant in the `connected` set.
 * Returns 1 when the participant was not connected before (it just came online), else 0.
 */
const TOUCH = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[3])`;

/**
 * Removes one socket. When it was the participant's last live one, removes the participant from every set
 * in KEYS[2..n] and returns, per set, 1 if it was there (0 otherwise); returns an empty list while another
 * socket (another tab, another instance) is still live.
 */
const DROP = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) > 0 then return {} end
local removed = {}
for i = 2, #KEYS do removed[i - 1] = redis.call('ZREM', KEYS[i], ARGV[3]) end
return removed`;

/** Removes and returns the members whose expiry (score) has passed: exactly one caller gets each. */
const SWEEP = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #expired > 0 then redis.call('ZREM', KEYS[1], unpack(expired)) end
return expired`;

/**
 * Presence state in Redis, shared by every API instance. Keys, all under `<prefix>:presence:`:
 * - `online` — operators who chose ONLINE and are live; member = operator id, score = expiry (Unix ms);
 * - `connected:<kind>` — participants with at least one live WebSocket; same shape;
 * - `sockets:<kind>:<id>` — one participant's live WebSockets; member = socket id, score = expiry.
 * An entry lives until its expiry unless refreshed, so a crashed instance's sockets drop out by themselves.
 * Each change runs as one Lua script, so concurrent instances never lose an update.
 */
export class PresenceStore {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
  ) {
    this.keyPrefix = `${redisPrefix}:presence`;
  }

  /** The operators' online set. */
  get onlineKey(): string {
    return `${this.keyPrefix}:online`;
  }

  connectedKey(kind: ParticipantKind): string {
    return `${this.keyPrefix}:connected:${kind}`;
  }

  private socketsKey(kind: ParticipantKind, id: string): string {
    return `${this.keyPrefix}:sockets:${kind}:${id}`;
  }

  /**
   * Records that a socket is live until `expiresAt` (Unix ms).
   * @returns true when the participant had no live socket before.
   */
  async touchSocket(kind: ParticipantKind, id: string, socketId: string, expiresAt: number): Promise<boolean> {
    const now = Date.now();
    const keyTtlMs = Math.max(1000, 2 * (expiresAt - now));
    const added = await this.redis.eval(TOUCH, 2, this.socketsKey(kind, id), this.connectedKey(kind), socketId, expiresAt, id, now, keyTtlMs);
    return added === 1;
  }

  /**
   * Forgets a closed socket. When it was the participant's last live one, the participant leaves the
   * `connected` set and each of `alsoLeave` (e.g. the online set).
   * @returns for `connected` and then each of `alsoLeave`, whether the participant was in it; all false
   *   while another socket of the participant is live.
   */
  async dropSocket(kind: ParticipantKind, id: string, socketId: string, alsoLeave: string[] = []): Promise<boolean[]> {
    const keys = [this.socketsKey(kind, id), this.connectedKey(kind), ...alsoLeave];
    const removed = (await this.redis.eval(DROP, keys.length, ...keys, socketId, Date.now(), id)) as number[];
    return keys.slice(1).map((_, i) => removed[i] === 1);
  }

  /** Adds or refreshes a member of a set until `expiresAt` (Unix ms). @returns true when it was not there. */
  async add(key: string, id: string, expiresAt: number): Promise<boolean> {
    return (await this.redis.zadd(key, expiresAt, id)) === 1;
  }

  /** Removes a member of a set. @returns true when it was there. */
  async remove(key: string, id: string): Promise<boolean> {
    return (await this.redis.zrem(key, id)) === 1;
  }

  /** Whether `id` is in the set and not expired. */
  async has(key: string, id: string): Promise<boolean> {
    const score = await this.redis.zscore(key, id);
    return score !== null && Number(score) > Date.now();
  }

  /** How many members of the set have not expired. */
  count(key: string): Promise<number> {
    return this.redis.zcount(key, `(${Date.now()}`, '+inf');
  }

  /** Removes the members that expired and returns them; concurrent callers never get the same member. */
  async sweep(key: string): Promise<string[]> {
    return (await this.redis.eval(SWEEP, 1, key, Date.now())) as string[];
  }
}
