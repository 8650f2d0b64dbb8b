import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { deserializeWithDates, serializeWithDates } from '../realtime/redis-json';
import { VersionedQueueSnapshot } from './models/chat-session.model';
import { QueueSnapshotSource, QueueSnapshotStream } from './queue-snapshot-stream';

/** Real Redis pub/sub; the current queue is a function the test controls. */
describe('QueueSnapshotStream', () => {
  const publisher = new Redis('redis://127.0.0.1:6379');
  const pubSub = new RedisPubSub({ publisher, subscriber: new Redis('redis://127.0.0.1:6379'), serializer: serializeWithDates, deserializer: deserializeWithDates });
  afterAll(async () => {
    await pubSub.close();
  });

  /** A snapshot of `count` waiting sessions (their content does not matter here), with its version. */
  const snapshot = (version: number, count = version): VersionedQueueSnapshot => ({ version, count, sessions: [] });

  /** A source whose current snapshot is `current()`; `resubscribed()` plays Redis coming back. */
  function source(topic: string, current: () => Promise<VersionedQueueSnapshot>) {
    const listeners = new Set<() => void>();
    const metrics = { opened: jest.fn(), closed: jest.fn() };
    const value: QueueSnapshotSource = {
      pubSub,
      topic,
      currentSnapshot: current,
      onResubscribed: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      metrics,
    };
    return { value, metrics, listeners, resubscribed: () => listeners.forEach((listener) => listener()) };
  }

  async function take(stream: QueueSnapshotStream, n: number): Promise<number[]> {
    const out: number[] = [];
    while (out.length < n) out.push((await stream.next()).value!.version);
    return out;
  }

  /** Resolves once Redis has `topic`'s subscription, i.e. the stream's listener is in place. */
  async function subscribed(topic: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const [, count] = (await publisher.pubsub('NUMSUB', topic)) as [string, number];
      if (count > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${topic} never subscribed`);
  }

  it('first delivers the current snapshot, read after its listener is in place', async () => {
    const topic = `test:${randomUUID()}`;
    let readWhileSubscribed: boolean | undefined;
    const stream = new QueueSnapshotStream(
      source(topic, async () => {
        const [, count] = (await publisher.pubsub('NUMSUB', topic)) as [string, number];
        readWhileSubscribed = count === 1;
        return snapshot(7, 1);
      }).value,
    );
    expect((await stream.next()).value).toEqual(snapshot(7, 1));
    expect(readWhileSubscribed).toBe(true);
    await stream.return();
  });

  it('never delivers a snapshot whose version is not above the last one delivered', async () => {
    const topic = `test:${randomUUID()}`;
    const stream = new QueueSnapshotStream(source(topic, () => Promise.resolve(snapshot(10))).value);
    expect(await take(stream, 1)).toEqual([10]);
    for (const version of [9, 10, 12, 11, 12, 13]) await pubSub.publish(topic, snapshot(version));
    expect(await take(stream, 2)).toEqual([12, 13]);
    await stream.return();
  });

  it('holds live snapshots that arrive while the first one is read, and drops those it already includes', async () => {
    const topic = `test:${randomUUID()}`;
    let answer!: (value: VersionedQueueSnapshot) => void;
    const stream = new QueueSnapshotStream(source(topic, () => new Promise((resolve) => (answer = resolve))).value);
    await subscribed(topic);
    await pubSub.publish(topic, snapshot(4)); // took its version before the first snapshot's GET: included in it
    await pubSub.publish(topic, snapshot(6)); // after it
    await new Promise((r) => setTimeout(r, 50));
    answer(snapshot(5));
    expect(await take(stream, 2)).toEqual([5, 6]);
    await stream.return();
  });

  it('after Redis comes back, delivers the current snapshot again and takes its version as the baseline, even when lower', async () => {
    const topic = `test:${randomUUID()}`;
    let current = snapshot(100);
    const redis = source(topic, () => Promise.resolve(current));
    const stream = new QueueSnapshotStream(redis.value);
    expect(await take(stream, 1)).toEqual([100]);
    // Redis restarted and its counter with it (or failed over to a replica that was behind).
    current = snapshot(3);
    redis.resubscribed();
    expect(await take(stream, 1)).toEqual([3]);
    await pubSub.publish(topic, snapshot(2)); // older than the re-read
    await pubSub.publish(topic, snapshot(4));
    expect(await take(stream, 1)).toEqual([4]);
    await stream.return();
    expect(redis.listeners.size).toBe(0);
  });

  it('ends with the failure when the queue cannot be read, releasing its subscription and counted closed once', async () => {
    const topic = `test:${randomUUID()}`;
    const broken = source(topic, () => Promise.reject(new Error('database down')));
    const stream = new QueueSnapshotStream(broken.value);
    await expect(stream.next()).rejects.toThrow('database down');
    await stream.return();
    expect([broken.metrics.opened.mock.calls.length, broken.metrics.closed.mock.calls.length]).toEqual([1, 1]);
    await new Promise((r) => setTimeout(r, 100));
    expect(await publisher.pubsub('NUMSUB', topic)).toEqual([topic, 0]);
  });
});
