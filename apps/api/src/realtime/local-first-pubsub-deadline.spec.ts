import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError } from '../common/service-unavailable';
import { PrivateRedis, startPrivateRedis } from '../../test/support/private-services';
import { LocalFirstPubSub } from './local-first-pubsub';
import { settleUnsubscribes } from './redis.providers';

/** graphql-redis-subscriptions' private state, as `LocalFirstPubSub` mends it. */
interface LibraryState {
  subscriptionMap: Record<number, [string, (message: unknown) => void]>;
  subsRefsMap: Map<string, Set<number>>;
  subsPendingRefsMap: Map<string, unknown>;
}

/** A `SUBSCRIBE` Redis does not confirm in time (a private Redis paused with SIGSTOP): `confirmWithinMs`. */
describe('LocalFirstPubSub: a SUBSCRIBE not confirmed within its deadline', () => {
  let redis: PrivateRedis;
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(redis.url);
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  /** A pub/sub of its own on the private Redis, connected; its subscriber settles its `UNSUBSCRIBE`s as the API's does. */
  const instance = async () => {
    const publisher = connect();
    const subscriber = settleUnsubscribes(connect());
    await Promise.all([publisher.ping(), subscriber.ping()]);
    return new LocalFirstPubSub({ publisher, subscriber });
  };
  const subscribers = async (channel: string) => {
    const [, count] = (await connect().pubsub('NUMSUB', channel)) as [string, number];
    return Number(count);
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    redis?.resume();
    clients.forEach((client) => client.disconnect());
    await redis?.dispose();
  });

  it('rejects SERVICE_UNAVAILABLE (retryable) at the deadline, keeps nothing but the library’s pending entry, and releases the subscription Redis confirms late', async () => {
    const channel = `hang-${randomUUID()}`;
    const pubSub = await instance();
    const library = pubSub as unknown as LibraryState;
    const local = (pubSub as unknown as { local: Map<string, unknown> }).local;
    const seen: unknown[] = [];

    redis.pause();
    try {
      const started = Date.now();
      const error = await pubSub.subscribe(channel, (m) => seen.push(m), { confirmWithinMs: 300 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).toMatchObject({
        message: 'Redis did not confirm the subscription within 0.3 s; retry',
        code: 'SERVICE_UNAVAILABLE',
        details: { retryable: true },
      });
      expect(local.has(channel)).toBe(false);
      expect(library.subsPendingRefsMap.has(channel)).toBe(true);
      const entries = Object.values(library.subscriptionMap);
      expect(entries.map(([trigger]) => trigger)).toEqual([channel]);
      entries[0][1]({ n: 0 }); // the library's entry holds nothing of the subscriber any more
      void pubSub.publish(channel, { n: 1 }).catch(() => undefined); // local listeners have it at once; Redis answers after the resume
      expect(seen).toEqual([]);
    } finally {
      redis.resume();
    }

    await waitUntil(() => !library.subsPendingRefsMap.has(channel) && !library.subsRefsMap.has(channel));
    expect(library.subscriptionMap).toEqual({});
    expect(await subscribers(channel)).toBe(0); // UNSUBSCRIBE sent once Redis confirmed
  });

  it('keeps a subscription that joined the late SUBSCRIBE and was confirmed in time', async () => {
    const channel = `hang-${randomUUID()}`;
    const pubSub = await instance();
    const library = pubSub as unknown as LibraryState;
    const late: unknown[] = [];
    const kept: unknown[] = [];

    redis.pause();
    let joined: Promise<number>;
    try {
      await expect(pubSub.subscribe(channel, (m) => late.push(m), { confirmWithinMs: 200 })).rejects.toBeInstanceOf(ServiceUnavailableError);
      joined = pubSub.subscribe(channel, (m) => kept.push(m), { confirmWithinMs: 10_000 });
    } finally {
      redis.resume();
    }
    const id = await joined;
    await waitUntil(() => library.subsRefsMap.get(channel)?.size === 1);
    expect(Object.keys(library.subscriptionMap)).toEqual([String(id)]);
    expect(await subscribers(channel)).toBe(1);

    await connect().publish(channel, JSON.stringify({ n: 1 })); // from elsewhere: through Redis
    await waitUntil(() => kept.length === 1);
    expect([late, kept]).toEqual([[], [{ n: 1 }]]);
    pubSub.unsubscribe(id);
    await waitUntil(async () => (await subscribers(channel)) === 0);
  });

  it('keeps a subscription Redis confirmed in time while the event loop was stalled past the deadline (due timers run before the sockets are read)', async () => {
    const channel = `stall-${randomUUID()}`;
    const pubSub = await instance();
    const seen: unknown[] = [];
    const subscribing = pubSub.subscribe(channel, (m) => seen.push(m), { confirmWithinMs: 200 });
    await new Promise((resolve) => setImmediate(resolve)); // the SUBSCRIBE is on the wire
    const stallUntil = Date.now() + 400; // a busy event loop: Redis answers meanwhile, nobody reads it
    while (Date.now() < stallUntil);
    const id = await subscribing;
    await pubSub.publish(channel, { n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
    pubSub.unsubscribe(id);
  });

  it('resolves as before when Redis confirms in time, and the deadline then fires nothing', async () => {
    const channel = `hang-${randomUUID()}`;
    const pubSub = await instance();
    const seen: unknown[] = [];
    const id = await pubSub.subscribe(channel, (m) => seen.push(m), { confirmWithinMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the deadline
    await pubSub.publish(channel, { n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
    pubSub.unsubscribe(id);
  });
});

async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
