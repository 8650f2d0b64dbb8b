// Fault: Redis hangs (SIGSTOP: alive, takes connections, answers nothing) when a visitor subscribes.
// The subscription is refused SERVICE_UNAVAILABLE (retryable) within a few seconds instead of waiting in
// silence; once Redis answers again, the same client subscribes again and gets its history and live events,
// and the subscription given up on leaves nothing behind.
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PUB_SUB } from '../src/realtime/redis.providers';
import { Topics } from '../src/realtime/topics';
import { gqlOk, GqlResult, record, wsClient } from './support/api-client';
import { messagesOf, SEND_MESSAGE, SESSION_EVENTS } from './support/operations';
import { PrivateRedis, startPrivateRedis } from './support/private-services';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';

jest.setTimeout(60_000);

/** What the API's pub/sub keeps per channel: its own registry and graphql-redis-subscriptions' (private to both). */
interface PubSubState {
  local: Map<string, Set<unknown>>;
  subsRefsMap: Map<string, Set<number>>;
  subsPendingRefsMap: Map<string, unknown>;
  subscriptionMap: Record<number, [string, unknown]>;
}

describe('fault: Redis hangs when a subscription starts', () => {
  let redis: PrivateRedis;
  let api: TestApi;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    api = await startTestApi({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    redis?.resume(); // a paused server must never outlive the test, nor hold up the API's shutdown
    await api?.close();
    await redis?.dispose();
  });

  it('refuses a new sessionEvents SERVICE_UNAVAILABLE within a few seconds; after Redis answers again, the same client gets its history and live events', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api, 'before the hang');
    const topic = api.app.get(Topics).session(sessionId);
    const pubSub = api.app.get<RedisPubSub>(PUB_SUB) as unknown as PubSubState;
    const client = wsClient(api.wsUrl, visitor.token);
    try {
      // The socket is open (its first subscription answered) before Redis hangs: only the new subscription meets the hang.
      const warmUp = record(client, SESSION_EVENTS, { id: sessionId, after: 0 });
      await warmUp.recorder.waitFor((items) => messagesOf(items).length === 2, 10_000, 'history before the hang');
      warmUp.stop();
      await eventually(() => !pubSub.subsRefsMap.has(topic), 'the warm-up subscription released');

      redis.pause();
      const started = Date.now();
      const refused = record(client, SESSION_EVENTS, { id: sessionId, after: 0 });
      await eventually(() => refused.recorder.error !== undefined, 'an error instead of silence', 8000);
      const errors = refused.recorder.error as GqlResult['errors'];
      expect(errors).toEqual([
        expect.objectContaining({
          message: 'Redis did not confirm the subscription within 2 s; retry',
          extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
        }),
      ]);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(refused.recorder.items).toEqual([]);
      // Nothing of it is left but the library's entry for the SUBSCRIBE still in flight.
      expect(pubSub.local.has(topic)).toBe(false);
      expect(pubSub.subsPendingRefsMap.has(topic)).toBe(true);

      redis.resume();
      // The late confirmation is answered by releasing the subscription nobody holds.
      await eventually(() => !pubSub.subsRefsMap.has(topic) && !pubSub.subsPendingRefsMap.has(topic), 'the late subscription released');
      expect(Object.values(pubSub.subscriptionMap).filter(([channel]) => channel === topic)).toEqual([]);

      const again = record(client, SESSION_EVENTS, { id: sessionId, after: 0 });
      await again.recorder.waitFor((items) => messagesOf(items).length === 2, 10_000, 'history after the hang');
      await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'after the hang', clientMessageId: 'after-the-hang' } }, operator.token);
      await again.recorder.waitFor((items) => messagesOf(items).length === 3, 10_000, 'a live message after the hang');
      expect(messagesOf(again.recorder.items).map((m) => [m.seq, m.content])).toEqual([
        [1, 'before the hang'],
        [2, expect.any(String)], // the operator joined
        [3, 'after the hang'],
      ]);
      expect(again.recorder.error).toBeUndefined();
      expect([pubSub.local.get(topic)?.size, pubSub.subsRefsMap.get(topic)?.size]).toEqual([1, 1]);
      again.stop();
      await eventually(() => !pubSub.local.has(topic) && !pubSub.subsRefsMap.has(topic), 'the subscription released');
    } finally {
      redis.resume();
      await client.dispose();
    }
  });
});
