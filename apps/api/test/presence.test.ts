import { Client } from 'graphql-ws';
import Redis from 'ioredis';
import { gqlOk, record, Recorder, wsClient } from './support/api-client';
import { ApiChild, startApiChild } from './support/api-process';
import { QUEUE_UPDATED } from './support/operations';
import { eventually } from './support/wait-for';
import { Topics } from '../src/realtime/topics';
import { givenActiveSession, givenOperator, givenWaitingSession, resetDatabase, startTestApi, TestApi } from './support/test-app';

/** Session events with the presence-related fields. */
const PRESENCE_EVENTS = `subscription($id: ID!) {
  sessionEvents(sessionId: $id) {
    __typename
    ... on QueuePositionChanged { position estimatedWaitSeconds operatorsOnline }
    ... on ParticipantPresenceChanged { sessionId role presence }
  }
}`;

const SET_PRESENCE = 'mutation($p: Presence!) { setPresence(presence: $p) { presence } }';
const VISITOR_PRESENCE = 'query($id: ID!) { session(id: $id) { visitorPresence } }';

type Events = Recorder<{ sessionEvents: Record<string, any> }>;

const operatorsOnline = (events: Events) =>
  events.items.map((i) => i.sessionEvents).filter((e) => e.__typename === 'QueuePositionChanged').map((e) => e.operatorsOnline as number);
/** `operatorsOnline` values from the first time it was 1 on. */
const sinceOnline = (events: Events) => {
  const seen = operatorsOnline(events);
  return seen.slice(seen.indexOf(1));
};
const presenceChanges = (events: Events, role: string) =>
  events.items.map((i) => i.sessionEvents).filter((e) => e.__typename === 'ParticipantPresenceChanged' && e.role === role).map((e) => e.presence as string);

/** A console tab: a WebSocket kept open by a `queueUpdated` subscription. */
async function openConsoleTab(api: { wsUrl: string }, token: string): Promise<Client> {
  const client = wsClient(api.wsUrl, token);
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  record(client, QUEUE_UPDATED);
  await connected;
  return client;
}

/** A widget: a WebSocket kept open by the visitor's `sessionEvents` subscription. */
async function openWidget(api: TestApi, token: string, sessionId: string): Promise<{ client: Client; events: Events }> {
  const client = wsClient(api.wsUrl, token);
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  const { recorder } = record(client, PRESENCE_EVENTS, { id: sessionId });
  await connected;
  return { client, events: recorder as Events };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until this instance listens on the session's topic in Redis: a `sessionEvents` subscription
 * is then live (its local listener is registered before the `SUBSCRIBE`), and an event published from
 * now on reaches it. A fixed pause instead missed the first event on a loaded machine.
 */
async function subscribedToSession(api: TestApi, sessionId: string): Promise<void> {
  const topic = api.app.get(Topics).session(sessionId);
  const redis = new Redis(api.config.redisUrl);
  try {
    await eventually(async () => ((await redis.pubsub('NUMSUB', topic)) as [string, number])[1] >= 1, `a subscriber of ${topic}`);
  } finally {
    redis.disconnect();
  }
}

describe('operator presence from console sockets', () => {
  describe('with a 1 s PRESENCE_TTL_SECONDS', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ PRESENCE_TTL_SECONDS: '1' });
    });
    beforeEach(() => resetDatabase(api));
    afterAll(() => api.close());

    it('keeps an operator with a connected console online long past the TTL (heartbeats over the socket)', async () => {
      const operator = await givenOperator(api);
      const tab = await openConsoleTab(api, operator.token);
      const waiting = await givenWaitingSession(api, 'Hello?');
      const widget = await openWidget(api, waiting.visitor.token, waiting.sessionId);
      try {
        await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'ONLINE' }, operator.token);
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 1, 10000, 'operator online');
        await pause(3500); // 3.5 × TTL: without heartbeats the operator would have expired and been swept
        expect(operatorsOnline(widget.events).at(-1)).toBe(1);
        expect(sinceOnline(widget.events)).not.toContain(0);
        const { session } = await gqlOk(api.httpUrl, 'query($id: ID!) { session(id: $id) { estimatedWaitSeconds } }', { id: waiting.sessionId }, waiting.visitor.token);
        expect(session.estimatedWaitSeconds).not.toBeNull();
      } finally {
        await tab.dispose();
        await widget.client.dispose();
      }
    });

    it('lets ONLINE without a console socket (setPresence over HTTP only) expire after the TTL, and tells waiting visitors', async () => {
      const waiting = await givenWaitingSession(api, 'Anyone?');
      const widget = await openWidget(api, waiting.visitor.token, waiting.sessionId);
      try {
        await givenOperator(api, { online: true });
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 1, 10000, 'operator online');
        // No heartbeat: the sweep takes the operator out and the queue is re-broadcast with nobody online.
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 0, 10000, 'expired by TTL');
        const online = await gqlOk(api.httpUrl, 'query($id: ID!) { session(id: $id) { estimatedWaitSeconds } }', { id: waiting.sessionId }, waiting.visitor.token);
        expect(online.session.estimatedWaitSeconds).toBeNull();
      } finally {
        await widget.client.dispose();
      }
    });
  });

  describe('with a 3 s PRESENCE_TTL_SECONDS (a 1 s refresh round of four turns)', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ PRESENCE_TTL_SECONDS: '3' });
    });
    beforeEach(() => resetDatabase(api));
    afterAll(() => api.close());

    it('refreshes the widgets of one instance on turns spread over the round, not in one burst', async () => {
      const widgets: Client[] = [];
      const redis = new Redis(api.config.redisUrl);
      try {
        for (let i = 0; i < 8; i++) {
          const waiting = await givenWaitingSession(api, `Widget ${i}`);
          widgets.push((await openWidget(api, waiting.visitor.token, waiting.sessionId)).client);
        }
        await pause(1500); // every widget refreshed at least once since the last one connected
        const scores = (await redis.zrange(`${api.config.redisPrefix}:presence:connected:visitor`, 0, -1, 'WITHSCORES'))
          .filter((_, i) => i % 2 === 1)
          .map(Number);
        expect(scores).toHaveLength(8);
        // Expiry = last refresh + TTL: eight widgets on four turns of 250 ms were last refreshed ~750 ms apart.
        expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThanOrEqual(400);
      } finally {
        for (const client of widgets) await client.dispose();
        redis.disconnect();
      }
    });
  });

  describe('with the default 60 s TTL', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi();
    });
    beforeEach(() => resetDatabase(api));
    afterAll(() => api.close());

    it('counts an operator with two tabs online while either is open, and offline as soon as the last one closes', async () => {
      const waiting = await givenWaitingSession(api, 'Help');
      const widget = await openWidget(api, waiting.visitor.token, waiting.sessionId);
      const operator = await givenOperator(api);
      await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'ONLINE' }, operator.token);
      const first = await openConsoleTab(api, operator.token);
      const second = await openConsoleTab(api, operator.token);
      try {
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 1, 10000, 'online');
        await first.dispose();
        await pause(500);
        expect(sinceOnline(widget.events)).not.toContain(0);
        await second.dispose();
        // Well within the 60 s TTL: the close itself took the operator offline.
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 0, 5000, 'offline after the last tab');
      } finally {
        await first.dispose();
        await second.dispose();
        await widget.client.dispose();
      }
    });

    it('brings an operator who chose ONLINE back online when their console connects again', async () => {
      const waiting = await givenWaitingSession(api, 'Back?');
      const widget = await openWidget(api, waiting.visitor.token, waiting.sessionId);
      const operator = await givenOperator(api);
      await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'ONLINE' }, operator.token);
      const tab = await openConsoleTab(api, operator.token);
      await tab.dispose();
      await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 0, 5000, 'offline');
      const again = await openConsoleTab(api, operator.token);
      try {
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 1, 5000, 'online again');
      } finally {
        await again.dispose();
        await widget.client.dispose();
      }
    });

    it("shows operators the visitor's widget coming and going (any tab), live and as ChatSession.visitorPresence", async () => {
      const waiting = await givenWaitingSession(api, 'Hi there');
      const operator = await givenOperator(api);
      const consoleWs = wsClient(api.wsUrl, operator.token);
      const watched = record(consoleWs, PRESENCE_EVENTS, { id: waiting.sessionId }).recorder as Events;
      const presenceNow = async () =>
        (await gqlOk(api.httpUrl, VISITOR_PRESENCE, { id: waiting.sessionId }, operator.token)).session.visitorPresence;
      try {
        await subscribedToSession(api, waiting.sessionId);
        expect(await presenceNow()).toBe('OFFLINE');
        const tabA = await openWidget(api, waiting.visitor.token, waiting.sessionId);
        await watched.waitFor(() => presenceChanges(watched, 'VISITOR').at(-1) === 'ONLINE', 5000, 'visitor online');
        expect(await presenceNow()).toBe('ONLINE');
        const tabB = await openWidget(api, waiting.visitor.token, waiting.sessionId);
        await tabA.client.dispose();
        await pause(500);
        expect(await presenceNow()).toBe('ONLINE');
        expect(presenceChanges(watched, 'VISITOR')).toEqual(['ONLINE']);
        await tabB.client.dispose();
        await watched.waitFor(() => presenceChanges(watched, 'VISITOR').at(-1) === 'OFFLINE', 5000, 'visitor offline');
        expect(await presenceNow()).toBe('OFFLINE');
      } finally {
        await consoleWs.dispose();
      }
    });

    it("tells the visitor when the assigned operator goes away, comes back, and closes the console", async () => {
      const active = await givenActiveSession(api, 'Question');
      const tab = await openConsoleTab(api, active.operator.token);
      const widget = await openWidget(api, active.visitor.token, active.sessionId);
      try {
        await subscribedToSession(api, active.sessionId);
        await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'AWAY' }, active.operator.token);
        await widget.events.waitFor(() => presenceChanges(widget.events, 'OPERATOR').at(-1) === 'AWAY', 5000, 'AWAY');
        await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'ONLINE' }, active.operator.token);
        await widget.events.waitFor(() => presenceChanges(widget.events, 'OPERATOR').at(-1) === 'ONLINE', 5000, 'ONLINE');
        await tab.dispose();
        await widget.events.waitFor(() => presenceChanges(widget.events, 'OPERATOR').at(-1) === 'OFFLINE', 5000, 'OFFLINE');
      } finally {
        await tab.dispose();
        await widget.client.dispose();
      }
    });
  });

  describe('across instances', () => {
    let api: TestApi;
    let other: (ApiChild) | undefined;
    beforeAll(async () => {
      api = await startTestApi({ PRESENCE_TTL_SECONDS: '1' });
    });
    afterAll(async () => {
      await other?.stop('SIGKILL');
      await api.close();
    });

    it('drops the operators of an instance that died (no heartbeat, no close) after the TTL, and the survivors tell waiting visitors', async () => {
      other = await startApiChild({
        DATABASE_URL: api.config.databaseUrl,
        REDIS_PREFIX: api.config.redisPrefix,
        JWT_SECRET: api.config.jwtSecret,
        PRESENCE_TTL_SECONDS: '1',
      });
      await resetDatabase(api);
      const waiting = await givenWaitingSession(api, 'Still there?');
      const widget = await openWidget(api, waiting.visitor.token, waiting.sessionId); // visitor on this instance
      const operator = await givenOperator(api);
      await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'ONLINE' }, operator.token);
      const tab = await openConsoleTab(other, operator.token); // operator's console on the other instance
      try {
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 1, 10000, 'online');
        await pause(2500); // alive past the TTL: the other instance refreshes it
        expect(sinceOnline(widget.events)).not.toContain(0);
        await other.stop('SIGKILL'); // no close frame, no more heartbeats
        await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 0, 10000, 'dropped after the TTL');
      } finally {
        await tab.dispose();
        await widget.client.dispose();
      }
    });
  });
});
