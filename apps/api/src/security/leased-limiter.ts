import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

/** The most points one lease takes: the most this instance can hold unused per key (see {@link LeasedLimiter}). */
const MAX_LEASE = 5;
/** A lease takes at most this share of the room left in the window (1/4), so small limits are counted one by one. */
const ROOM_SHARE = 4;

/** A limit is reached for a key: no point is left in its window. */
export class LimitReached extends Error {
  /** @param msBeforeNext ms until the window ends and points are free again */
  constructor(readonly msBeforeNext: number) {
    super(`Rate limit reached; points are free again in ${msBeforeNext} ms`);
    this.name = 'LimitReached';
  }
}

interface Lease {
  /** Points taken from the shared counter and not yet used here. */
  left: number;
  /** When the counter's window ends (Unix ms); the lease ends with it. */
  endsAt: number;
  /** Points the shared counter had left after the last request (all instances together). */
  room: number;
  /** The request for a new lease while one is in flight; others for the same key wait for it. */
  request?: Promise<unknown>;
}

/** Points a lease asks for: min({@link MAX_LEASE}, `room` ÷ {@link ROOM_SHARE}), at least one. */
function leaseSize(room: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(room / ROOM_SHARE)));
}

/**
 * Uses one of the points `lease` holds, if it holds one and its window has not ended (a lease whose
 * request is in flight holds none). @returns whether it did.
 */
function useHeld(lease: Lease | undefined): boolean {
  if (!lease || lease.left <= 0 || Date.now() >= lease.endsAt) return false;
  lease.left--;
  return true;
}

/**
 * A rate limiter whose points are taken from the shared counter a few at a time: one Redis round trip
 * per lease instead of one per action, and the action that finds points left here does not wait for
 * Redis at all. A lease is min({@link MAX_LEASE}, room left ÷ 4) points, never less than one, so a limit
 * of 5 is still counted one point at a time.
 *
 * When an action uses a lease's last point, the next lease is asked for at once, in the background
 * (unless it would be a single point, below), so the key's next action finds points here instead of
 * waiting for Redis: only the first action of a key in each window waits.
 *
 * Exactness: every point admitted was counted in the shared counter before it was admitted, so the
 * instances together never admit more than the limit per window. What a lease holds unused is
 * invisible to the other instances: a key used on several instances at once may be refused up to
 * `MAX_LEASE` points early per other instance (fixed windows of rate-limiter-flexible; a lease ends
 * with its window). A lease is asked for ahead only when it would be two points or more, so a small
 * limit, and the last few points of any window (a quarter of the room is under two), are still counted
 * one at a time, with nothing held ahead. A refused request counts its points in Redis as
 * rate-limiter-flexible always does; the points still free before it are granted here, so a lease that
 * asks too much loses nothing.
 *
 * Concurrent actions for one key wait for one request rather than each taking a lease.
 */
export class LeasedLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly sweeper: NodeJS.Timeout;

  /**
   * @param limiter the shared counter (`points` per `duration` seconds); its `insuranceLimiter` answers
   *   while Redis is unreachable, as before.
   */
  constructor(private readonly limiter: RateLimiterAbstract) {
    // Ended leases are dropped once per window; an idle key holds nothing longer than two windows.
    this.sweeper = setInterval(() => this.sweep(), limiter.duration * 1000).unref();
  }

  /**
   * Counts one point for `key`: `null` when this instance's lease had one (admitted at once, no promise),
   * else a promise that settles when Redis has answered.
   * @throws (the promise rejects) {@link LimitReached} when the limit is reached, or the store's error when
   *   Redis fails and there is no insurance limiter.
   */
  take(key: string): Promise<void> | null {
    const lease = this.leases.get(key);
    if (lease === undefined || !useHeld(lease)) return this.wait(key);
    if (lease.left === 0) this.askAhead(key, lease);
    return null;
  }

  /**
   * Asks for `key`'s next lease while its last point is being used, unless that lease would be a single
   * point. A failure is left for the key's next action, which finds no lease and asks again itself.
   */
  private askAhead(key: string, used: Lease): void {
    if (leaseSize(used.room) < 2) return;
    this.request(key, used, false).catch(() => undefined);
  }

  /** {@link take} when no point is at hand: waits for a request in flight, or makes one. */
  private async wait(key: string): Promise<void> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease?.request) {
        await lease.request.catch(() => undefined);
        continue;
      }
      if (useHeld(lease)) return;
      return this.request(key, lease, true);
    }
  }

  /**
   * Takes a new lease for `key`, sized by the room `previous` (the lease it replaces) last saw, and uses
   * one of its points when `use`.
   * @throws {@link LimitReached} when `use` and no point was free.
   */
  private async request(key: string, previous: Lease | undefined, use: boolean): Promise<void> {
    const points = this.limiter.points;
    const wanted = leaseSize(previous && Date.now() < previous.endsAt ? previous.room : points);
    const lease: Lease = { left: 0, endsAt: 0, room: 0 };
    const request = this.limiter.consume(key, wanted).catch((reason: unknown) => {
      if (reason instanceof RateLimiterRes) return reason; // refused: still tells how much was free
      throw reason;
    });
    lease.request = request;
    this.leases.set(key, lease);
    let answer: RateLimiterRes;
    try {
      answer = await request;
    } catch (error) {
      this.leases.delete(key);
      throw error;
    } finally {
      lease.request = undefined;
    }
    // The counter before this request held consumedPoints − wanted; what was free of the limit is granted.
    const granted = Math.min(wanted, points - (answer.consumedPoints - wanted));
    lease.endsAt = Date.now() + answer.msBeforeNext;
    lease.room = answer.remainingPoints;
    lease.left = Math.max(0, use ? granted - 1 : granted);
    if (use && granted < 1) throw new LimitReached(answer.msBeforeNext);
  }

  /** Stops the sweeping timer (the leases go with the object). */
  close(): void {
    clearInterval(this.sweeper);
    this.leases.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases) if (!lease.request && lease.endsAt <= now) this.leases.delete(key);
  }
}
