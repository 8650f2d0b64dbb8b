import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { gqlOk, record, wsClient } from './support/api-client';
import { messagesOf, SEND_MESSAGE, SESSION_EVENTS, QUEUE_UPDATED } from './support/operations';
import { eventually } from './support/wait-for';
import { givenActiveSession, givenWaitingSession, resetDatabase, startTestApi, TestApi } from './support/test-app';

/** Reads one sample of the Prometheus text format, e.g. `parley_subscriptions{operation="sessionEvents"}`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function scrape(api: TestApi): Promise<string> {
  const response = await fetch(`${api.httpUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** Scrapes until `check` holds for the text and returns it; on a timeout the error shows Parley's own samples. */
async function scrapeUntil(api: TestApi, check: (text: string) => boolean, what: string): Promise<string> {
  let text = '';
  try {
    return await eventually(async () => {
      text = await scrape(api);
      return check(text) && text;
    }, `metrics showing ${what}`, 5000);
  } catch (error) {
    const ours = text.split('\n').filter((l) => l.startsWith('parley_') && !l.startsWith('parley_process') && !l.startsWith('parley_nodejs'));
    throw new Error(`${(error as Error).message}:\n${ours.join('\n')}`);
  }
}

describe('/metrics (Prometheus)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    await resetDatabase(api);
  });
  afterAll(() => api.close());

  it('counts connections, subscriptions, messages, delivery latency, the waiting queue and jobs', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api);
    await givenWaitingSession(api, 'Someone waiting');
    const before = await scrape(api);
    expect(sample(before, 'parley_websocket_connections')).toBe(0);
    const sentBefore = sample(before, 'parley_messages_total{sender_role="VISITOR"}') ?? 0;

    const ws = wsClient(api.wsUrl, operator.token);
    try {
      const events = record(ws, SESSION_EVENTS, { id: sessionId, after: 2 });
      const queue = record(ws, QUEUE_UPDATED);
      await scrapeUntil(
        api,
        (t) =>
          sample(t, 'parley_websocket_connections') === 1 &&
          sample(t, 'parley_subscriptions{operation="sessionEvents"}') === 1 &&
          sample(t, 'parley_subscriptions{operation="queueUpdated"}') === 1,
        'one socket with two subscriptions',
      );
      // The subscription is live once Redis has it: send, then wait for all three to arrive.
      for (const n of [1, 2, 3]) {
        await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: `m${n}`, clientMessageId: `metrics-${n}` } }, visitor.token);
      }
      await events.recorder.waitFor((items) => messagesOf(items).length >= 3, 10000, 'three messages');

      const text = await scrapeUntil(api, (t) => sample(t, 'parley_message_delivery_seconds_count') === 3, 'three deliveries');
      expect(sample(text, 'parley_messages_total{sender_role="VISITOR"}')).toBe(sentBefore + 3);
      expect(sample(text, 'parley_message_delivery_seconds_sum')).toBeGreaterThan(0);
      expect(sample(text, 'parley_message_delivery_seconds_bucket{le="+Inf"}')).toBe(3);
      expect(sample(text, 'parley_queue_waiting')).toBe(1);
      expect(sample(text, 'parley_process_resident_memory_bytes')).toBeGreaterThan(0);
      // Every BullMQ queue of the app reports its job counts, failures included.
      const queues = api.app
        .get(DiscoveryService)
        .getProviders()
        .map((w) => w.instance as unknown)
        .filter((i): i is Queue => i instanceof Queue);
      for (const q of queues) {
        for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed']) {
          expect(sample(text, `parley_jobs{queue="${q.name}",state="${state}"}`)).toBeGreaterThanOrEqual(0);
        }
      }
      queue.stop();
      events.stop();
    } finally {
      await ws.dispose();
    }
    await scrapeUntil(
      api,
      (t) =>
        sample(t, 'parley_websocket_connections') === 0 &&
        sample(t, 'parley_subscriptions{operation="sessionEvents"}') === 0 &&
        sample(t, 'parley_subscriptions{operation="queueUpdated"}') === 0,
      'the socket and its subscriptions gone',
    );
  });
});
