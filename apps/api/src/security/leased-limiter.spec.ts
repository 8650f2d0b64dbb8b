import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { eventually } from '../../test/support/wait-for';
import { LeasedLimiter, LimitReached } from './leased-limiter';

/** Leases over the real Redis; two LeasedLimiter objects on one key prefix stand for two API instances. */
describe('LeasedLimiter', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const opened: LeasedLimiter[] = [];
  let keyPrefix: string;

  const store = (points: number, duration = 60) =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true });
  const instance = (points: number, duration = 60) => {
    const limiter = new LeasedLimiter(store(points, duration));
    opened.push(limiter);
    return limiter;
  };
  /** An instance over its own Redis client, not connected yet: a test connects and drops it at will. */
  const onOwnClient = (points: number) => {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
    const limiter = new LeasedLimiter(new RateLimiterRedis({ storeClient: client, keyPrefix, points, duration: 60, rejectIfRedisNotReady: true }));
    opened.push(limiter);
    return { client, limiter };
  };
  /** The shared counter's value for `key`, as Redis holds it. */
  const counted = async (key: string) => Number(await redis.get(`${keyPrefix}:${key}`));
  /** `limiter.take(key)` as a promise of the point's window, also when it admitted at once. */
  const take = (limiter: LeasedLimiter, key: string) => Promise.resolve(limiter.take(key));
  /** What `take` answers when a lease had the point: the window's end, at once (no promise). */
  const atOnce = expect.any(Number);
  /** Which of the takes were admitted, and each refusal's reason. */
  const outcomes = (takes: Array<Promise<number>>) =>
    Promise.allSettled(takes).then((results) => ({
      admitted: results.filter((r) => r.status === 'fulfilled').length,
      refusals: results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])),
    }));

  beforeAll(() => new Promise<void>((ready) => (redis.status === 'ready' ? ready() : redis.once('ready', () => ready()))));
  beforeEach(() => {
    keyPrefix = `parley-test-leases-${randomUUID()}`;
  });
  afterAll(async () => {
    opened.forEach((l) => l.close());
    await redis.quit();
  });

  it('takes five points per Redis request and admits the next four at once, without one', async () => {
    const limiter = instance(1000);
    await take(limiter, 'v1');
    expect(await counted('v1')).toBe(5);
    for (let i = 0; i < 3; i++) expect(limiter.take('v1')).toEqual(atOnce); // admitted at once, nothing to wait for
    expect(await counted('v1')).toBe(5); // nothing asked while the lease holds points
  });

  it('asks for the next lease as the last point of one is used, so the next take does not wait', async () => {
    const limiter = instance(1000);
    await take(limiter, 'v6');
    for (let i = 0; i < 4; i++) expect(limiter.take('v6')).toEqual(atOnce); // the fourth uses the lease's last point
    await eventually(async () => (await counted('v6')) === 10, 'the next lease asked for ahead');
    await new Promise((resolve) => setImmediate(resolve)); // the limiter's own handling of that answer, queued before
    for (let i = 0; i < 5; i++) expect(limiter.take('v6')).toEqual(atOnce); // the sixth take is admitted at once too
    await eventually(async () => (await counted('v6')) === 15, 'the lease after it');
  });

  it('serves a burst on one key in one request per batch, each sized to the takes queued', async () => {
    const counter = store(1000);
    const consume = jest.spyOn(counter, 'consume');
    const limiter = new LeasedLimiter(counter);
    opened.push(limiter);
    // The first take asks for a lease of five; the 99 queued meanwhile: four from it, 95 (plus a lease of five) in the next.
    const { admitted } = await outcomes(Array.from({ length: 100 }, () => take(limiter, 'burst')));
    expect(admitted).toBe(100);
    expect(consume.mock.calls.map(([, points]) => points)).toEqual([5, 99]);
    expect(await counted('burst')).toBe(104);
    for (let i = 0; i < 4; i++) expect(limiter.take('burst')).toEqual(atOnce); // the four held
  });

  it('counts a small limit one point at a time, exactly, across instances', async () => {
    const [a, b] = [instance(5), instance(5)];
    for (let i = 0; i < 5; i++) await take(i % 2 ? b : a, 'v2');
    expect(await counted('v2')).toBe(5);
    const refused = await take(b, 'v2').catch((reason: unknown) => reason);
    expect(refused).toBeInstanceOf(LimitReached);
    expect((refused as LimitReached).msBeforeNext).toBeGreaterThan(0);
    expect((refused as LimitReached).msBeforeNext).toBeLessThanOrEqual(60_000);
    await expect(take(a, 'v2')).rejects.toBeInstanceOf(LimitReached);
  });

  it('never admits more than the limit across instances, and at most five points fewer per other instance', async () => {
    const [a, b] = [instance(40), instance(40)];
    const { admitted, refusals } = await outcomes(Array.from({ length: 100 }, (_, i) => take(i % 2 ? b : a, 'ip')));
    expect(admitted).toBeLessThanOrEqual(40);
    expect(admitted).toBeGreaterThanOrEqual(35);
    expect(refusals.every((r) => r instanceof LimitReached)).toBe(true);
  });

  it('asks ahead for two points or more only, so the last few points of a window go one at a time', async () => {
    const [a, b] = [instance(12), instance(12)];
    // a: a lease of 3, then (room 9) one of 2 asked ahead; at its last point the room is 7, a lease of one: not asked ahead.
    for (let i = 0; i < 5; i++) await take(a, 'v9');
    expect(await counted('v9')).toBe(5);
    // b gets all seven points left; one held ahead by a would refuse b's seventh.
    for (let i = 0; i < 7; i++) await take(b, 'v9');
    expect(await counted('v9')).toBe(12);
    await expect(take(b, 'v9')).rejects.toBeInstanceOf(LimitReached);
  });

  it('holds nothing from an ask ahead that was refused', async () => {
    const [a, b] = [instance(20), instance(20)];
    await take(a, 'v10'); // a lease of five: a holds four
    const { admitted } = await outcomes(Array.from({ length: 16 }, () => take(b, 'v10')));
    expect(admitted).toBe(15); // all the others
    for (let i = 0; i < 4; i++) expect(a.take('v10')).toEqual(atOnce); // the last one asks ahead for three: refused
    await expect(take(a, 'v10')).rejects.toBeInstanceOf(LimitReached);
  });

  it('returns to the counter what a refused request asked beyond the limit: refused takes do not use it up', async () => {
    const limiter = instance(5);
    const burst = await Promise.allSettled(Array.from({ length: 8 }, () => take(limiter, 'd1')));
    const windows = burst.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(windows).toHaveLength(5);
    await eventually(async () => (await counted('d1')) === 5, 'the three refused points returned');
    const ninth = take(limiter, 'd1'); // in flight while every admitted point is given back: those go to Redis
    windows.forEach((window) => limiter.giveBack('d1', window));
    await expect(ninth).rejects.toBeInstanceOf(LimitReached);
    await eventually(async () => (await counted('d1')) === 0, 'all given back, the ninth returned');
    const { admitted } = await outcomes(Array.from({ length: 6 }, () => take(limiter, 'd1')));
    expect(admitted).toBe(5);
  });

  it('grants what was still free when a lease asks for more', async () => {
    const [a, b] = [instance(20), instance(20)];
    await take(a, 'v3'); // a holds five
    await store(20).consume('v3', 13); // others took 13: two of 20 are free
    const { admitted } = await outcomes([take(b, 'v3'), take(b, 'v3'), take(b, 'v3')]);
    expect(admitted).toBe(2);
  });

  it('refuses by a full window only while it runs: takes queued after it ended are counted in the next', async () => {
    const limiter = instance(3, 1);
    for (let i = 0; i < 3; i++) await take(limiter, 'v11'); // the window is full
    const late = take(limiter, 'v11'); // asks Redis: refused in this window
    const ends = Date.now() + (await redis.pttl(`${keyPrefix}:v11`));
    while (Date.now() < ends + 50); // the event loop falls behind until the window has ended
    const after = [take(limiter, 'v11'), take(limiter, 'v11'), take(limiter, 'v11')]; // queued behind the late answer
    await expect(late).rejects.toBeInstanceOf(LimitReached);
    expect((await outcomes(after)).admitted).toBe(3);
    expect(await counted('v11')).toBe(3); // the new window's counter
  });

  it('ends a lease with its window', async () => {
    const limiter = instance(1000, 1);
    await take(limiter, 'v4');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await redis.exists(`${keyPrefix}:v4`)).toBe(0);
    await take(limiter, 'v4'); // the four points left belonged to the ended window
    expect(await counted('v4')).toBe(5);
  });

  it('sequentially, one key on two instances is refused at most five points early, and never admitted beyond the limit', async () => {
    const [a, b] = [instance(100), instance(100)];
    let admitted = 0;
    for (let i = 0; i < 130; i++) {
      const outcome = await take(i % 3 ? a : b, 'v7').then(() => true, (reason: unknown) => reason);
      if (outcome === true) admitted++;
      else expect(outcome).toBeInstanceOf(LimitReached);
    }
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(95);
  });

  it('holds nothing from an ask ahead that failed: the next take asks again', async () => {
    const { client: flaky, limiter } = onOwnClient(1000);
    try {
      await flaky.connect();
      await take(limiter, 'v8');
      for (let i = 0; i < 3; i++) expect(limiter.take('v8')).toEqual(atOnce);
      flaky.disconnect();
      expect(limiter.take('v8')).toEqual(atOnce); // the lease's last point; asking ahead fails
      await expect(take(limiter, 'v8')).rejects.not.toBeInstanceOf(LimitReached);
      await flaky.connect();
      await take(limiter, 'v8');
      expect(await counted('v8')).toBe(10);
    } finally {
      flaky.disconnect();
    }
  });

  it('passes on a store failure, and holds nothing back after it', async () => {
    const { client: offline, limiter } = onOwnClient(10);
    try {
      const failures = await outcomes([take(limiter, 'v5'), take(limiter, 'v5')]);
      expect(failures.admitted).toBe(0);
      expect(failures.refusals.every((r) => r instanceof Error && !(r instanceof LimitReached))).toBe(true);
      await offline.connect();
      await take(limiter, 'v5');
      expect(await counted('v5')).toBe(2);
    } finally {
      offline.disconnect();
    }
  });

  describe('giveBack', () => {
    /** Lets the limiter handle an answer Redis has already sent (its handler was queued before). */
    const handled = () => new Promise((resolve) => setImmediate(resolve));

    it('returns a point to the lease of its window: the next take is admitted at once, and the limit still holds', async () => {
      const limiter = instance(3);
      const windows = [await take(limiter, 'g1'), await take(limiter, 'g1'), await take(limiter, 'g1')];
      limiter.giveBack('g1', windows[2]);
      expect(limiter.take('g1')).toEqual(atOnce);
      expect(await counted('g1')).toBe(3);
      await expect(take(limiter, 'g1')).rejects.toBeInstanceOf(LimitReached);
    });

    it('returns a point to a lease already holding the next answer of the same window', async () => {
      const limiter = instance(12);
      await take(limiter, 'g2'); // a lease of 3 (12 ÷ 4)
      expect(limiter.take('g2')).toEqual(atOnce);
      const last = limiter.take('g2') as number; // asks ahead for 2 (9 ÷ 4)
      await eventually(async () => (await counted('g2')) === 5, 'the next lease asked for ahead');
      await handled();
      limiter.giveBack('g2', last);
      for (let i = 0; i < 3; i++) expect(limiter.take('g2')).toEqual(atOnce);
      expect(await counted('g2')).toBe(5);
    });

    it('returns a point to the shared counter when the lease holds five', async () => {
      const limiter = instance(1000);
      await take(limiter, 'g3'); // a lease of 5
      for (let i = 0; i < 3; i++) expect(limiter.take('g3')).toEqual(atOnce);
      const last = limiter.take('g3') as number; // asks ahead for 5
      await eventually(async () => (await counted('g3')) === 10, 'the next lease asked for ahead');
      await handled();
      limiter.giveBack('g3', last);
      await eventually(async () => (await counted('g3')) === 9, 'the point given back to Redis');
      for (let i = 0; i < 5; i++) expect(limiter.take('g3')).toEqual(atOnce); // the lease kept its five
    });

    it('returns a point to the shared counter while a request is in flight, whose answer replaces what the lease holds', async () => {
      const limiter = instance(1000);
      await take(limiter, 'g4');
      for (let i = 0; i < 3; i++) expect(limiter.take('g4')).toEqual(atOnce);
      const last = limiter.take('g4') as number; // asks ahead for 5: in flight
      limiter.giveBack('g4', last);
      await eventually(async () => (await counted('g4')) === 9, 'the ask ahead, less the point given back');
      await handled();
      for (let i = 0; i < 5; i++) expect(limiter.take('g4')).toEqual(atOnce);
    });

    it('drops a point the lease cannot take in the last second of its window, rather than risk it counting in the next', async () => {
      const limiter = instance(1000, 1); // a one-second window: always within the last second
      await take(limiter, 'g7');
      for (let i = 0; i < 3; i++) expect(limiter.take('g7')).toEqual(atOnce);
      const last = limiter.take('g7') as number; // asks ahead for 5: in flight
      limiter.giveBack('g7', last);
      await eventually(async () => (await counted('g7')) === 10, 'the ask ahead');
      await redis.ping(); // a reward sent with the give-back would have been applied by now
      expect(await counted('g7')).toBe(10);
    });

    it('holds a point given back after a failed request, for its own window', async () => {
      const { client: flaky, limiter } = onOwnClient(1000);
      try {
        await flaky.connect();
        await take(limiter, 'g5');
        for (let i = 0; i < 3; i++) expect(limiter.take('g5')).toEqual(atOnce);
        flaky.disconnect();
        const last = limiter.take('g5') as number; // asking ahead fails: the lease holds nothing
        await expect(take(limiter, 'g5')).rejects.not.toBeInstanceOf(LimitReached);
        limiter.giveBack('g5', last);
        expect(limiter.take('g5')).toEqual(atOnce);
      } finally {
        flaky.disconnect();
      }
    });

    it('drops a point whose window has ended, also when the lease holds the next window', async () => {
      const limiter = instance(3, 1);
      const window = await take(limiter, 'g6');
      await eventually(async () => (await redis.exists(`${keyPrefix}:g6`)) === 0, 'the window to end', 3000);
      await take(limiter, 'g6'); // the next window's first point
      limiter.giveBack('g6', window);
      const { admitted } = await outcomes([take(limiter, 'g6'), take(limiter, 'g6'), take(limiter, 'g6')]);
      expect(admitted).toBe(2);
      expect(await counted('g6')).toBe(4); // 3 admitted, one refused: nothing given back
    });
  });
});
