import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

/** The most points one lease takes: the most this instance can hold unused per key (see {@link LeasedLimiter}). */
const MAX_LEASE = 5;
/** A lease takes at most this share of the room left in the window (1/4), so small limits are counted one by one. */
const ROOM_SHARE = 4;
/**
 * Points are returned to the shared counter only while its window has more than this left (ms): a `reward`
 * that reached Redis after the window's key expired would start the next window below zero. Closer to the
 * end they are dropped: they would be free again within this time anyway.
 */
const RETURN_MARGIN_MS = 1000;

/** A limit is reached for a key: no point is left in its window. */
export class LimitReached extends Error {
  /** @param msBeforeNext ms until the window ends and points are free again */
  constructor(readonly msBeforeNext: number) {
    super(`Rate limit reached; points are free again in ${msBeforeNext} ms`);
    this.name = 'LimitReached';
  }
}

/** A take that found no point at hand: settled when a request's answer admits or refuses it. */
interface Waiter {
  /** @param window the estimated end (Unix ms) of the window the point was counted in */
  admit(window: number): void;
  refuse(reason: unknown): void;
}

interface Lease {
  /** Points taken from the shared counter and not yet used here. */
  left: number;
  /**
   * When the counter's window ends (Unix ms), estimated early: the request's send time plus the time Redis
   * said was left. The lease ends then.
   */
  endsAt: number;
  /** Points the shared counter had left after the last request (all instances together). */
  room: number;
  /** Takes waiting for points, oldest first: the request in flight, or the next one, serves them. */
  waiting: Waiter[];
  /** Whether a request for this key is in flight: one at a time per key. */
  requesting: boolean;
}

/** Points a lease asks for: min({@link MAX_LEASE}, `room` ÷ {@link ROOM_SHARE}), at least one. */
function leaseSize(room: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(room / ROOM_SHARE)));
}

/** Uses one of the points `lease` holds, if it holds one and its window has not ended. @returns whether it did. */
function useHeld(lease: Lease): boolean {
  if (lease.left <= 0 || Date.now() >= lease.endsAt) return false;
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
 * A busy key (one IP behind which many visitors write: an office, a carrier's NAT) has one request in
 * flight at a time; the takes that come meanwhile queue, and the next request asks for all of them at
 * once (plus a lease for the takes after), so a key is served at any rate in one round trip per batch,
 * not {@link MAX_LEASE} points per round trip. Each answer admits the queued takes in order, directly:
 * none is woken to compete for the points again.
 *
 * Exactness: every point admitted was counted in the shared counter before it was admitted, so the
 * instances together never admit more than the limit per window. What a lease holds unused (at most
 * {@link MAX_LEASE}: points asked for queued takes are used by them at once) is invisible to the other
 * instances: a key used on several instances at once may be refused up to `MAX_LEASE` points early per
 * other instance (fixed windows of rate-limiter-flexible; a lease ends with its window, estimated early).
 * A lease is asked for ahead only when it would be two points or more, so a small limit, and the last few
 * points of any window (a quarter of the room is under two), are still counted one at a time, with
 * nothing held ahead. A refused request counts its points in Redis (rate-limiter-flexible counts every
 * point asked); the points still free before it are granted here, and those it asked beyond them are
 * returned to the counter, so neither a lease that asks too much nor a refused take uses up a limit.
 *
 * A point taken for an action that did not happen after all is given back ({@link LeasedLimiter.giveBack}):
 * to the lease while its window runs, to the shared counter when the lease cannot hold it, and not at all
 * once that window has ended.
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
   * Counts one point for `key`. Admitted, it answers the window the point was counted in, as its end
   * (Unix ms, estimated early: see {@link LeasedLimiter.giveBack}): at once, as a number, when this
   * instance's lease had a point (no promise), else as a promise that settles when Redis (or, while it is
   * unreachable, the insurance limiter) has answered: the request in flight, or the one after it when more
   * takes queued than it granted.
   * @throws (the promise rejects) {@link LimitReached} when the limit is reached, or the store's error when
   *   Redis fails and there is no insurance limiter.
   */
  take(key: string): number | Promise<number> {
    let lease = this.leases.get(key);
    if (lease === undefined) {
      lease = { left: 0, endsAt: 0, room: 0, waiting: [], requesting: false };
      this.leases.set(key, lease);
    } else if (useHeld(lease)) {
      // Asks for the key's next lease while its last point is being used, unless that lease would be a single point.
      if (lease.left === 0 && !lease.requesting && leaseSize(lease.room) >= 2) this.request(key, lease);
      return lease.endsAt;
    }
    const queued = lease;
    return new Promise<number>((admit, refuse) => {
      queued.waiting.push({ admit, refuse });
      if (!queued.requesting) this.request(key, queued);
    });
  }

  /**
   * Takes points from the shared counter for `key`: one for each take queued now, less one, plus a lease
   * sized by the room the last answer saw (the whole limit once its window ended). The answer admits the
   * queued takes in order (also those that queued while it was in flight) and the points left stay held;
   * takes still queued go to the next request. When the answer grants less than asked, the window is full:
   * every take still queued is refused ({@link LimitReached}), unless the window has ended meanwhile (an
   * answer handled late: the takes queued since go to the next request, in the new window). When the store
   * fails, every queued take gets its error and the lease holds nothing.
   */
  private request(key: string, lease: Lease): void {
    const points = this.limiter.points;
    const asked = lease.waiting.length;
    const sentAt = Date.now();
    const wanted = Math.max(0, asked - 1) + leaseSize(sentAt < lease.endsAt ? lease.room : points);
    lease.requesting = true;
    this.limiter
      .consume(key, wanted)
      .catch((reason: unknown) => {
        if (reason instanceof RateLimiterRes) return reason; // refused: still tells how much was free
        throw reason;
      })
      .then(
        (answer) => {
          // The counter before this request held consumedPoints − wanted; what was free of the limit is granted.
          const granted = Math.max(0, Math.min(wanted, points - (answer.consumedPoints - wanted)));
          const endsAt = sentAt + answer.msBeforeNext;
          const full = granted < wanted;
          // A full window refuses every take queued, or, once it has ended, only those this request was for.
          const settled = !full ? granted : Date.now() < endsAt ? lease.waiting.length : Math.max(granted, asked);
          const served = lease.waiting.splice(0, settled);
          const admitted = Math.min(granted, served.length);
          lease.requesting = false;
          lease.left = granted - admitted;
          lease.room = answer.remainingPoints;
          lease.endsAt = endsAt;
          if (full) this.returnToCounter(key, wanted - granted, endsAt);
          // Settled after the lease is up to date: a take made where an admitted one resumes sees it as it is.
          const refusal = () => new LimitReached(Math.max(0, endsAt - Date.now()));
          served.forEach((waiter, i) => (i < admitted ? waiter.admit(endsAt) : waiter.refuse(refusal())));
          if (lease.waiting.length > 0) this.request(key, lease);
        },
        (error: unknown) => {
          lease.requesting = false;
          lease.left = 0;
          lease.endsAt = 0;
          for (const waiter of lease.waiting.splice(0)) waiter.refuse(error);
        },
      );
  }

  /**
   * Gives back a point {@link take} admitted for `key`, for an action that did not happen after all (another
   * limit refused it), so it does not count against `key`'s limit. While its window runs the point goes back
   * to this instance's lease, or, when the lease cannot take it (full at {@link MAX_LEASE}, or a request for
   * `key` in flight, whose answer replaces what the lease holds), to the shared counter (one `reward` sent to
   * Redis, not awaited; lost only if that fails too). Once the window has ended the point no longer counts
   * and nothing is done. The lease may hold a newer answer than the point's: any answer received before the
   * point's window ended came from that same window, so the point is still counted where it is given back.
   * Within the last second of the window a point the lease cannot take is dropped rather than sent to Redis
   * (see {@link RETURN_MARGIN_MS}).
   * @param window what `take` answered for that point: the end (Unix ms) of the window it was counted in
   */
  giveBack(key: string, window: number): void {
    const now = Date.now();
    if (now >= window) return;
    const lease = this.leases.get(key);
    if (lease && !lease.requesting) {
      if (now >= lease.endsAt) {
        // What an ended lease still holds does not count; the point does, until its own window ends.
        lease.left = 1;
        lease.endsAt = window;
        return;
      }
      if (lease.left < MAX_LEASE) {
        lease.left++;
        return;
      }
    }
    this.returnToCounter(key, 1, window);
  }

  /**
   * Returns `points` to the shared counter of `key` (one `reward`, not awaited) while the window ending at
   * `window` (Unix ms) has more than {@link RETURN_MARGIN_MS} left; otherwise they are dropped. A reward that
   * fails leaves them counted: the key is refused that many points early in this window.
   */
  private returnToCounter(key: string, points: number, window: number): void {
    if (Date.now() < window - RETURN_MARGIN_MS) this.limiter.reward(key, points).catch(() => undefined);
  }

  /** Stops the sweeping timer (the leases go with the object). */
  close(): void {
    clearInterval(this.sweeper);
    this.leases.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases) {
      if (!lease.requesting && lease.waiting.length === 0 && lease.endsAt <= now) this.leases.delete(key);
    }
  }
}
