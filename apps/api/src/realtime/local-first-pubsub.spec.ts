import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { LocalFirstPubSub } from './local-first-pubsub';

/** Two "instances" on the real Redis: each delivers its own events locally, the other's through Redis. */
describe('LocalFirstPubSub', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const channel = `parley-test-local-first-${randomUUID()}`;
  const clients: Redis[] = [];
  const instance = () => {
    const publisher = new Redis(url);
    const subscriber = new Redis(url);
    clients.push(publisher, subscriber);
    return new LocalFirstPubSub({ publisher, subscriber });
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('delivers once everywhere: locally at once, remotely through Redis, Dates as Dates, untagged messages too', async () => {
    const a = instance();
    const b = instance();
    const seenA: any[] = [];
    const seenB: any[] = [];
    const idA = await a.subscribe(channel, (m) => seenA.push(m));
    const idB = await b.subscribe(channel, (m) => seenB.push(m));
    const sentAt = new Date('2026-11-29T10:11:12.345Z');

    const publishing = a.publish(channel, { n: 1, sentAt });
    expect(seenA).toHaveLength(1); // synchronously, before Redis answered
    await publishing;
    await b.publish(channel, { n: 2 });
    await clients[0].publish(channel, JSON.stringify({ n: 3 })); // e.g. the CLI, without an instance tag

    const deadline = Date.now() + 5000;
    while ((seenA.length < 3 || seenB.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // room for a duplicate to show up
    expect(seenA.map((m) => m.n).sort()).toEqual([1, 2, 3]);
    expect(seenB.map((m) => m.n).sort()).toEqual([1, 2, 3]);
    expect(seenA.find((m) => m.n === 1).sentAt).toEqual(sentAt);
    expect(seenB.find((m) => m.n === 1).sentAt).toEqual(sentAt);

    a.unsubscribe(idA);
    b.unsubscribe(idB);
    await a.publish(channel, { n: 4 });
    await new Promise((r) => setTimeout(r, 200));
    expect(seenA).toHaveLength(3);
    expect(seenB).toHaveLength(3);
  });

  it("refuses a subscription whose SUBSCRIBE fails (Redis unreachable) with the client's error, leaves no unhandled rejection and keeps nothing of it", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // A port nothing listens on.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const unreachable = () => {
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 20 });
      client.on('error', () => undefined);
      return client;
    };
    const publisher = unreachable();
    const subscriber = unreachable();
    try {
      const pubSub = new LocalFirstPubSub({ publisher, subscriber });
      const seen: unknown[] = [];
      // A channel's first SUBSCRIBE alone; then another, with one more that comes while it is in flight.
      await expect(pubSub.subscribe(channel, (m) => seen.push(m))).rejects.toThrow(/max retries/);
      const first = pubSub.subscribe(channel, (m) => seen.push(m));
      const second = pubSub.subscribe(channel, (m) => seen.push(m));
      await expect(first).rejects.toThrow(/max retries/);
      await expect(second).rejects.toThrow(/max retries/);
      await new Promise((resolve) => setTimeout(resolve, 50)); // Node reports an unhandled rejection once the microtasks have run
      expect(unhandled).toEqual([]);

      const library = pubSub as unknown as { subscriptionMap: object; subsRefsMap: Map<string, unknown>; subsPendingRefsMap: Map<string, unknown> };
      expect([Object.keys(library.subscriptionMap), [...library.subsRefsMap.keys()], [...library.subsPendingRefsMap.keys()]]).toEqual([[], [], []]);
      await pubSub.publish(channel, { n: 1 }).catch(() => undefined);
      expect(seen).toEqual([]); // no local listener left either
    } finally {
      process.off('unhandledRejection', onUnhandled);
      publisher.disconnect();
      subscriber.disconnect();
    }
  });
});
