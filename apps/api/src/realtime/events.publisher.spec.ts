import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startCuttableProxy } from '../../test/support/tcp-proxy';
import { eventually, withTimeout } from '../../test/support/wait-for';
import { SenderRole } from '../common/enums';
import type { SessionEventPayload } from '../sessions/models/session-event.model';
import { EventsPublisher } from './events.publisher';
import { LocalFirstPubSub } from './local-first-pubsub';
import { createDirectRedisClient, REDIS_COMMAND_TIMEOUT_MS } from './redis.providers';
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

  it('gives up on a PUBLISH to a Redis that hangs after the command timeout: a message with one log line', async () => {
    const proxy = await startCuttableProxy(Number(new URL(url).port || 6379));
    const publisher = createDirectRedisClient(`redis://127.0.0.1:${proxy.port}`);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await publisher.connect();
      const events = new EventsPublisher(new LocalFirstPubSub({ publisher, subscriber: await connected() }), new Topics(`parley-test-events-${randomUUID()}`));
      proxy.hang(); // the connection stays open; nothing comes back
      const sessionId = randomUUID();
      const message = { id: randomUUID(), sessionId, seq: 1, senderRole: SenderRole.VISITOR, content: 'Hello?', clientMessageId: randomUUID(), sentAt: new Date() };
      events.announceMessage({ __typename: 'MessageCreated', sessionId, message });
      await eventually(() => warn.mock.calls.length > 0, 'the failed publish logged', REDIS_COMMAND_TIMEOUT_MS + 1000);
      expect(warn.mock.calls).toEqual([[expect.stringContaining(`Message 1 of session ${sessionId} not published to Redis (Command timed out)`)]]);
      // What other events do: the publish fails, for the caller to answer.
      const typing: SessionEventPayload = { __typename: 'TypingChanged', sessionId, senderRole: SenderRole.VISITOR, isTyping: true };
      await expect(withTimeout(events.publishSessionEvent(typing), REDIS_COMMAND_TIMEOUT_MS + 1000, 'a publish to a hung Redis')).rejects.toThrow('Command timed out');
    } finally {
      warn.mockRestore();
      publisher.disconnect();
      await proxy.close();
    }
  });
});
