import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startCuttableProxy } from '../../test/support/tcp-proxy';
import { eventually } from '../../test/support/wait-for';
import { SenderRole } from '../common/enums';
import type { SessionEventPayload } from '../sessions/models/session-event.model';
import { EventsPublisher, UNPUBLISHED_REPORT_MS } from './events.publisher';
import { LocalFirstPubSub } from './local-first-pubsub';
import { createPublisherRedisClient, REDIS_COMMAND_TIMEOUT_MS } from './redis.providers';
import { Topics } from './topics';

/** EventsPublisher over the real Redis, received by another instance's pub/sub. */
describe('EventsPublisher', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const clients: Redis[] = [];
  const connected = async () => {
    const client = new Redis(url);
    clients.push(client);
    await client.ping();
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('publishes many session events with their PUBLISH commands in one write, every one delivered', async () => {
    const topics = new Topics(`parley-test-events-${randomUUID()}`);
    const publisher = await connected();
    const events = new EventsPublisher(new LocalFirstPubSub({ publisher, subscriber: await connected() }), topics);
    const receiving = new LocalFirstPubSub({ publisher: await connected(), subscriber: await connected() });
    const positions: SessionEventPayload[] = Array.from({ length: 50 }, (_, i) => ({
      __typename: 'QueuePositionChanged',
      sessionId: randomUUID(),
      position: i + 1,
      estimatedWaitSeconds: 60,
      operatorsOnline: 1,
    }));
    const received: unknown[] = [];
    for (const event of positions) await receiving.subscribe(topics.session(event.sessionId), (m) => received.push(m));

    const write = jest.spyOn(publisher.stream, '_write');
    const writev = jest.spyOn(publisher.stream, '_writev');
    await events.publishSessionEvents(positions);
    expect(write).not.toHaveBeenCalled();
    expect(writev).toHaveBeenCalledTimes(1);

    for (let i = 0; i < 100 && received.length < positions.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual(expect.arrayContaining(positions));
    expect(received).toHaveLength(positions.length);
  });

  it('waits for a Redis that hangs to publish, and delivers once it answers: nothing already done is reported failed', async () => {
    const proxy = await startCuttableProxy(Number(new URL(url).port || 6379));
    const publisher = createPublisherRedisClient(`redis://127.0.0.1:${proxy.port}`);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await publisher.connect();
      const topics = new Topics(`parley-test-events-${randomUUID()}`);
      const events = new EventsPublisher(new LocalFirstPubSub({ publisher, subscriber: await connected() }), topics);
      const elsewhere = new LocalFirstPubSub({ publisher: await connected(), subscriber: await connected() });
      const sessionId = randomUUID();
      const received: unknown[] = [];
      await elsewhere.subscribe(topics.session(sessionId), (event: unknown) => received.push(event));
      proxy.hang(); // the connection stays open; nothing comes back
      const typing: SessionEventPayload = { __typename: 'TypingChanged', sessionId, senderRole: SenderRole.VISITOR, isTyping: true };
      let settled: 'resolved' | 'rejected' | undefined;
      events.publishSessionEvent(typing).then(() => (settled = 'resolved'), () => (settled = 'rejected'));
      await new Promise((resolve) => setTimeout(resolve, REDIS_COMMAND_TIMEOUT_MS + 500)); // longer than the rate limits wait
      expect(settled).toBeUndefined();
      proxy.resume();
      await eventually(() => settled === 'resolved' && received.length === 1, 'the publish once Redis answers');
      expect(received).toEqual([typing]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      publisher.disconnect();
      await proxy.close();
    }
  });

  it('reports the first message it could not publish at once and those right after it in one line, not one line each', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const proxy = await startCuttableProxy(Number(new URL(url).port || 6379));
    const publisher = createPublisherRedisClient(`redis://127.0.0.1:${proxy.port}`);
    try {
      await publisher.connect();
      const events = new EventsPublisher(new LocalFirstPubSub({ publisher, subscriber: await connected() }), new Topics(`parley-test-events-${randomUUID()}`));
      await proxy.close(); // Redis is gone: every publish fails once ioredis has given up on it
      const sessionId = randomUUID();
      for (let seq = 1; seq <= 5; seq++) {
        events.announce({
          __typename: 'MessageCreated',
          sessionId,
          message: { id: randomUUID(), sessionId, seq, senderRole: SenderRole.VISITOR, senderName: null, content: `m${seq}`, systemEvent: null, clientMessageId: null, sentAt: new Date() },
        });
      }
      const lines = () => warn.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('not published'));
      await eventually(() => lines().length > 1, 'the warnings', 10_000);
      await new Promise((resolve) => setTimeout(resolve, UNPUBLISHED_REPORT_MS + 500)); // a third line would come now
      expect(lines()).toEqual([
        expect.stringMatching(
          new RegExp(`^Message [1-5] of session ${sessionId} not published to Redis \\(.+\\); other instances catch up from PostgreSQL$`),
        ),
        '4 more event(s) not published to Redis within 1 s; other instances catch up from PostgreSQL',
      ]);
    } finally {
      warn.mockRestore();
      publisher.disconnect();
    }
  }, 20_000);
});
