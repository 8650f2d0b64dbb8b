import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Presence, SenderRole } from '../common/enums';
import { MessageModel } from '../messages/models/message.model';
import { LocalFirstPubSub } from '../realtime/local-first-pubsub';
import { deserializeWithDates, serializeWithDates } from '../realtime/redis-json';
import { SessionEventPayload } from './models/session-event.model';
import { SessionEventSource, SessionEventStream } from './session-event-stream';

/** Real Redis pub/sub; the stored history is an array standing in for the message table. */
describe('SessionEventStream', () => {
  const publisher = new Redis('redis://127.0.0.1:6379');
  const pubSub = new RedisPubSub({ publisher, subscriber: new Redis('redis://127.0.0.1:6379'), serializer: serializeWithDates, deserializer: deserializeWithDates });
  afterAll(async () => {
    await pubSub.close();
  });

  const message = (seq: number): MessageModel => ({
    id: `m${seq}`,
    sessionId: 's',
    seq,
    senderRole: SenderRole.VISITOR,
    content: `text ${seq}`,
    clientMessageId: `c${seq}`,
    sentAt: new Date(1_700_000_000_000 + seq),
  });
  const created = (seq: number): SessionEventPayload => ({ __typename: 'MessageCreated', sessionId: 's', message: message(seq) });

  function source(stored: MessageModel[], topic: string, initial: SessionEventPayload[] = []): SessionEventSource {
    return {
      pubSub,
      topic,
      loadMessages: (after, before, limit) =>
        Promise.resolve(stored.filter((m) => m.seq > after && (before === undefined || m.seq < before)).slice(0, limit)),
      currentLastSeq: () => Promise.resolve(stored.length),
      initialEvents: () => Promise.resolve(initial),
    };
  }

  async function take(stream: SessionEventStream, n: number): Promise<SessionEventPayload[]> {
    const out: SessionEventPayload[] = [];
    while (out.length < n) out.push((await stream.next()).value as SessionEventPayload);
    return out;
  }

  const seqs = (events: SessionEventPayload[]) => events.map((e) => (e.__typename === 'MessageCreated' ? e.message.seq : e.__typename));

  it('replays after afterSeq, then drops live duplicates and fills live gaps from storage', async () => {
    const topic = `test:${randomUUID()}`;
    const stored = [1, 2, 3].map(message);
    const stream = new SessionEventStream(source(stored, topic), 1);
    expect(seqs(await take(stream, 2))).toEqual([2, 3]);

    stored.push(message(4), message(5), message(6));
    await pubSub.publish(topic, created(3)); // duplicate of the replay
    await pubSub.publish(topic, created(6)); // 4 and 5 were published late or lost
    await pubSub.publish(topic, created(5)); // arrives after it was filled
    await pubSub.publish(topic, created(4));
    stored.push(message(7));
    await pubSub.publish(topic, created(7));
    expect(seqs(await take(stream, 4))).toEqual([4, 5, 6, 7]);
    await stream.return();
  });

  it('drops a queue position higher than one already delivered (stale), and keeps other events in order', async () => {
    const topic = `test:${randomUUID()}`;
    const position = (p: number): SessionEventPayload => ({ __typename: 'QueuePositionChanged', sessionId: 's', position: p, estimatedWaitSeconds: p * 10, operatorsOnline: 1 });
    const stream = new SessionEventStream(source([], topic, [position(3)]), null);
    expect(await take(stream, 1)).toEqual([position(3)]);
    await pubSub.publish(topic, position(2));
    await pubSub.publish(topic, position(3)); // stale snapshot from a slower broadcast
    await pubSub.publish(topic, { __typename: 'TypingChanged', sessionId: 's', senderRole: SenderRole.OPERATOR, isTyping: true });
    await pubSub.publish(topic, position(1));
    const events = await take(stream, 3);
    expect(events.map((e) => (e.__typename === 'QueuePositionChanged' ? e.position : e.__typename))).toEqual([2, 'TypingChanged', 1]);
    await stream.return();
  });

  /** A queue position as a broadcast publishes it: with its version, and `operatorsOnline` to tell them apart. */
  const versioned = (position: number, version: number | undefined, operatorsOnline = 1): SessionEventPayload => ({
    __typename: 'QueuePositionChanged',
    sessionId: 's',
    position,
    estimatedWaitSeconds: position * 60,
    operatorsOnline,
    version,
  });
  const typing: SessionEventPayload = { __typename: 'TypingChanged', sessionId: 's', senderRole: SenderRole.OPERATOR, isTyping: true };
  /** Each queue position delivered as [position, operatorsOnline, version], other events by their type name. */
  const places = (events: SessionEventPayload[]) =>
    events.map((e) => (e.__typename === 'QueuePositionChanged' ? [e.position, e.operatorsOnline, e.version] : e.__typename));

  it('drops queue positions once the session left the queue (accepted or closed)', async () => {
    const topic = `test:${randomUUID()}`;
    const stream = new SessionEventStream(source([], topic), null);
    await new Promise((r) => setTimeout(r, 100));
    await pubSub.publish(topic, versioned(1, 1));
    await pubSub.publish(topic, { __typename: 'OperatorJoined', sessionId: 's', operator: { id: 'o', name: 'Olga', presence: Presence.ONLINE } });
    await pubSub.publish(topic, versioned(1, 2)); // a broadcast that read the queue before the accept (its version is newer)
    await pubSub.publish(topic, { __typename: 'TypingChanged', sessionId: 's', senderRole: SenderRole.OPERATOR, isTyping: true });
    const events = await take(stream, 3);
    expect(events.map((e) => e.__typename)).toEqual(['QueuePositionChanged', 'OperatorJoined', 'TypingChanged']);
    await stream.return();
  });

  it('drops a queue position whose version is not above the last one delivered, even at the same position', async () => {
    const topic = `test:${randomUUID()}`;
    const stream = new SessionEventStream(source([], topic, [versioned(2, 10)]), null);
    expect(places(await take(stream, 1))).toEqual([[2, 1, 10]]);
    await pubSub.publish(topic, versioned(2, 12, 0)); // an operator went offline
    await pubSub.publish(topic, versioned(2, 11, 1)); // a broadcast from before that, published late by another instance
    await pubSub.publish(topic, versioned(2, 12, 1)); // not newer either
    await pubSub.publish(topic, versioned(2, 13, 2)); // newer: delivered, though the position is the same
    await pubSub.publish(topic, typing);
    expect(places(await take(stream, 3))).toEqual([[2, 0, 12], [2, 2, 13], 'TypingChanged']);
    await stream.return();
  });

  it("takes the initial position's version as the baseline: an older broadcast's position after it is dropped", async () => {
    const topic = `test:${randomUUID()}`;
    // The place as read at subscription, after the counter's GET (10) and after the last operator went offline.
    const stream = new SessionEventStream(source([], topic, [versioned(1, 10, 0)]), null);
    expect(places(await take(stream, 1))).toEqual([[1, 0, 10]]);
    await pubSub.publish(topic, versioned(1, 9, 1)); // a broadcast versioned before the GET, published after it
    await pubSub.publish(topic, versioned(1, 11, 0));
    expect(places(await take(stream, 1))).toEqual([[1, 0, 11]]);
    await stream.return();
  });

  it('after an unversioned initial position (Redis could not be read), orders by position until the next versioned one, then by version', async () => {
    const topic = `test:${randomUUID()}`;
    const stream = new SessionEventStream(source([], topic, [versioned(3, undefined, 1)]), null);
    expect(places(await take(stream, 1))).toEqual([[3, 1, undefined]]);
    await pubSub.publish(topic, versioned(4, 5, 1)); // older than the initial place: further back
    await pubSub.publish(topic, versioned(3, 6, 0)); // taken, whatever its version
    await pubSub.publish(topic, versioned(3, 5, 1)); // older than that one
    await pubSub.publish(topic, typing);
    expect(places(await take(stream, 2))).toEqual([[3, 0, 6], 'TypingChanged']);
    await stream.return();
  });

  it('after Redis comes back, reads the position again and takes its version as the baseline, even when lower', async () => {
    const topic = `test:${randomUUID()}`;
    let initial = [versioned(3, 100)];
    const listeners = new Set<() => void>();
    const stream = new SessionEventStream(
      {
        ...source([], topic),
        initialEvents: () => Promise.resolve(initial),
        onResubscribed: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      null,
    );
    expect(places(await take(stream, 1))).toEqual([[3, 1, 100]]);
    // Redis restarted and its counter with it (or failed over to a replica that was behind), as QueueSnapshotStream allows.
    initial = [versioned(2, 5)];
    listeners.forEach((listener) => listener());
    await pubSub.publish(topic, versioned(2, 6, 0)); // the broadcast after Redis came back: an operator went offline
    await pubSub.publish(topic, typing);
    const events: SessionEventPayload[] = [];
    do events.push(...(await take(stream, 1)));
    while (events.at(-1)?.__typename !== 'TypingChanged');
    expect(places(events)).toEqual([[2, 1, 5], [2, 0, 6], 'TypingChanged']);
    await stream.return();
  });

  it('ends a pending next() and releases the Redis subscription when the client unsubscribes', async () => {
    const topic = `test:${randomUUID()}`;
    const stream = new SessionEventStream(source([], topic), null);
    const pending = stream.next();
    await new Promise((r) => setTimeout(r, 100));
    expect(await publisher.pubsub('NUMSUB', topic)).toEqual([topic, 1]);
    await stream.return();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(await publisher.pubsub('NUMSUB', topic)).toEqual([topic, 0]);
  });

  /** A sink recording what a pushing stream hands it, and when. */
  function sink() {
    const events: SessionEventPayload[] = [];
    const ends: Array<Error | undefined> = [];
    return {
      events,
      ends,
      next: (event: SessionEventPayload) => void events.push(event),
      end: (error?: Error) => void ends.push(error),
      until: async (n: number) => {
        for (let i = 0; i < 100 && events.length < n; i++) await new Promise((r) => setTimeout(r, 20));
        return events;
      },
    };
  }

  it('pushes to a sink what it would yield: the replay, then live events deduplicated and gap-filled, each in its publisher tick', async () => {
    const topic = `test:${randomUUID()}`;
    const stored = [1, 2, 3].map(message);
    const stream = new SessionEventStream(source(stored, topic), 1);
    await new Promise((r) => setTimeout(r, 100)); // the replay waits in the stream until a sink is given
    const pushed = sink();
    stream.pushTo(pushed);
    expect(seqs(pushed.events)).toEqual([2, 3]);

    stored.push(message(4), message(5), message(6));
    await pubSub.publish(topic, created(3)); // duplicate of the replay
    await pubSub.publish(topic, created(6)); // 4 and 5 were published late or lost
    await pubSub.publish(topic, created(5));
    await pubSub.publish(topic, created(4));
    expect(seqs(await pushed.until(5))).toEqual([2, 3, 4, 5, 6]);
    // A live event with nothing before it reaches the sink in the publisher's own tick, with no promise between.
    const local = new LocalFirstPubSub({ publisher: new Redis('redis://127.0.0.1:6379'), subscriber: new Redis('redis://127.0.0.1:6379') });
    try {
      const live = new SessionEventStream({ ...source([], topic), pubSub: local }, null);
      const liveSink = sink();
      live.pushTo(liveSink);
      await new Promise((r) => setTimeout(r, 100));
      const published = local.publish(topic, created(1));
      expect(seqs(liveSink.events)).toEqual([1]);
      await published;
      await live.return();
      expect(liveSink.ends).toEqual([undefined]);
    } finally {
      await local.close();
    }

    await stream.return();
    await stream.return();
    expect(pushed.ends).toEqual([undefined]); // ended once
    await pubSub.publish(topic, created(7));
    await new Promise((r) => setTimeout(r, 100));
    expect(seqs(pushed.events)).toEqual([2, 3, 4, 5, 6]); // nothing after the end
  });

  it('ends its sink with the failure when storage fails', async () => {
    const topic = `test:${randomUUID()}`;
    const broken: SessionEventSource = { ...source([], topic), loadMessages: () => Promise.reject(new Error('database down')) };
    const early = sink();
    new SessionEventStream(broken, 0).pushTo(early); // the sink is there before the failure
    const late = sink();
    const stream = new SessionEventStream(broken, 0);
    await new Promise((r) => setTimeout(r, 100));
    stream.pushTo(late); // the failure came first
    expect(early.ends).toEqual([expect.objectContaining({ message: 'database down' })]);
    expect(late.ends).toEqual([expect.objectContaining({ message: 'database down' })]);
  });

  it('ends with the error a sink throws, and releases the Redis subscription', async () => {
    const topic = `test:${randomUUID()}`;
    const stream = new SessionEventStream(source([message(1)], topic), 0);
    const ends: Array<Error | undefined> = [];
    const taken: number[] = [];
    await new Promise((r) => setTimeout(r, 100)); // the replay (seq 1) waits for the sink
    stream.pushTo({
      next: (event) => {
        if (event.__typename === 'MessageCreated' && event.message.seq === 2) throw new Error('cannot send');
        if (event.__typename === 'MessageCreated') taken.push(event.message.seq);
      },
      end: (error) => void ends.push(error),
    });
    expect(await publisher.pubsub('NUMSUB', topic)).toEqual([topic, 1]);
    await pubSub.publish(topic, created(2));
    await new Promise((r) => setTimeout(r, 100));
    expect(taken).toEqual([1]);
    expect(ends).toEqual([expect.objectContaining({ message: 'cannot send' })]);
    await pubSub.publish(topic, created(3));
    await new Promise((r) => setTimeout(r, 100));
    expect(taken).toEqual([1]); // nothing after the end
    expect(await publisher.pubsub('NUMSUB', topic)).toEqual([topic, 0]);
  });

  it('fails the stream when storage fails during the replay, so the client resubscribes', async () => {
    const topic = `test:${randomUUID()}`;
    const broken: SessionEventSource = { ...source([], topic), loadMessages: () => Promise.reject(new Error('database down')) };
    const stream = new SessionEventStream(broken, 0);
    await expect(stream.next()).rejects.toThrow('database down');
  });
});
