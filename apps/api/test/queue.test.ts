import { EntityManager } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import { EventsPublisher } from '../src/realtime/events.publisher';
import { REDIS } from '../src/realtime/redis.providers';
import { Topics } from '../src/realtime/topics';
import { QueueService } from '../src/sessions/queue.service';
import { gqlOk, record, wsClient } from './support/api-client';
import { ACCEPT_SESSION, CLOSE_SESSION, eventsOf, QUEUE_UPDATED, SEND_MESSAGE, SESSION_EVENTS, START_SESSION } from './support/operations';
import { givenOperator, givenVisitor, heldBroadcast, queueAnnounced, resetDatabase, startTestApi, TestApi } from './support/test-app';

describe('waiting queue', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ QUEUE_FALLBACK_WAIT_SECONDS: '90' });
  });
  beforeEach(() => resetDatabase(api));
  afterAll(() => api.close());

  const sql = (text: string, params: unknown[] = []) => api.app.get(EntityManager).fork().getConnection().execute(text, params);

  /** The `count` of each `queueUpdated` snapshot received, in order. */
  const counts = (items: Array<Record<string, any>>) => items.map((item) => item.queueUpdated.count as number);

  async function join(name: string) {
    const visitor = await givenVisitor(api, { name });
    const started = await gqlOk(api.httpUrl, START_SESSION, { input: { content: `${name} here` } }, visitor.token);
    return { visitor, sessionId: started.startSession.id as string, started: started.startSession };
  }

  it('pushes every waiting visitor its new position whenever the queue moves, and positions never go up', async () => {
    const operator = await givenOperator(api, { online: true });
    const ann = await join('Ann');
    const bob = await join('Bob');
    const cat = await join('Cat');
    expect([ann.started.queuePosition, bob.started.queuePosition, cat.started.queuePosition]).toEqual([1, 2, 3]);

    const clients = [bob, cat].map((v) => wsClient(api.wsUrl, v.visitor.token));
    try {
      const [bobEvents, catEvents] = [bob, cat].map((v, i) => record(clients[i], SESSION_EVENTS, { id: v.sessionId, after: 0 }).recorder);
      const positions = (r: typeof bobEvents) => eventsOf(r.items, 'QueuePositionChanged').map((e) => e.position);
      // On subscribe: the current place.
      await bobEvents.waitFor(() => positions(bobEvents).includes(2), 10000, 'Bob at 2');
      await catEvents.waitFor(() => positions(catEvents).includes(3), 10000, 'Cat at 3');

      // Someone was accepted: everybody moves up.
      await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: ann.sessionId }, operator.token);
      await bobEvents.waitFor(() => positions(bobEvents).at(-1) === 1, 10000, 'Bob at 1');
      await catEvents.waitFor(() => positions(catEvents).at(-1) === 2, 10000, 'Cat at 2');

      // Someone left: the ones behind move up.
      await gqlOk(api.httpUrl, CLOSE_SESSION, { id: bob.sessionId }, bob.visitor.token);
      await catEvents.waitFor(() => positions(catEvents).at(-1) === 1, 10000, 'Cat at 1');

      // A newcomer joins behind: nobody ahead moves back.
      await join('Dan');
      await new Promise((r) => setTimeout(r, 300));
      for (const events of [bobEvents, catEvents]) {
        const seen = positions(events);
        expect(seen).toEqual([...seen].sort((x, y) => y - x)); // non-increasing
      }
      expect(positions(catEvents).at(-1)).toBe(1);
    } finally {
      for (const c of clients) await c.dispose();
    }
  });

  it('lists waiting sessions FIFO by queuedAt with previews, and pushes snapshots to operators', async () => {
    const operator = await givenOperator(api, { online: true });
    const ws = wsClient(api.wsUrl, operator.token);
    try {
      const snapshots = record(ws, QUEUE_UPDATED).recorder;
      await snapshots.waitFor((items) => items.length === 1, 10000, 'the current queue');
      expect(snapshots.items[0].queueUpdated).toEqual({ count: 0, sessions: [] });
      const first = await join('First');
      await snapshots.waitFor((items) => items.at(-1)?.queueUpdated.count === 1, 10000, 'snapshot 1');
      const second = await join('Second');
      await snapshots.waitFor((items) => items.at(-1)?.queueUpdated.count === 2, 10000, 'snapshot 2');
      const last = snapshots.items.at(-1)!.queueUpdated;
      expect(last.sessions.map((s: any) => [s.id, s.queuePosition, s.preview, s.visitor.name])).toEqual([
        [first.sessionId, 1, 'First here', 'First'],
        [second.sessionId, 2, 'Second here', 'Second'],
      ]);
      const listed = await gqlOk(api.httpUrl, '{ waitingSessions { id queuePosition } }', {}, operator.token);
      expect(listed.waitingSessions.map((s: any) => s.id)).toEqual([first.sessionId, second.sessionId]);

      await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: first.sessionId }, operator.token);
      await snapshots.waitFor((items) => items.at(-1)?.queueUpdated.count === 1, 10000, 'after accept');
      expect(snapshots.items.at(-1)!.queueUpdated.sessions[0]).toMatchObject({ id: second.sessionId, queuePosition: 1 });
    } finally {
      await ws.dispose();
    }
  });

  it('first gives a subscribing operator the queue as it is: a visitor already waiting shows with no further change', async () => {
    const operator = await givenOperator(api, { online: true });
    const waiting = await join('Early');
    await queueAnnounced(api); // the join's broadcast (in the background) is published
    // From here on no snapshot is published (the operator's socket arriving would broadcast one): only the
    // subscription's first snapshot can show the visitor.
    const broadcasts = jest.spyOn(api.app.get(QueueService), 'broadcast').mockResolvedValue(undefined);
    const ws = wsClient(api.wsUrl, operator.token);
    try {
      const snapshots = record(ws, QUEUE_UPDATED).recorder;
      await snapshots.waitFor((items) => items.length > 0, 10000, 'the first snapshot');
      expect(snapshots.items[0].queueUpdated).toMatchObject({
        count: 1,
        sessions: [{ id: waiting.sessionId, queuePosition: 1, preview: 'Early here', visitor: { name: 'Early' } }],
      });
    } finally {
      await ws.dispose();
      broadcasts.mockRestore();
    }
  });

  it('never pushes an operator an older queue after a newer one (a snapshot published late by another instance)', async () => {
    const operator = await givenOperator(api, { online: true });
    const ws = wsClient(api.wsUrl, operator.token);
    try {
      const snapshots = record(ws, QUEUE_UPDATED).recorder;
      await snapshots.waitFor((items) => items.length === 1, 10000, 'the current queue');
      const versionKey = api.app.get(Topics).queueVersion();
      const before = Number(await api.app.get<Redis>(REDIS).get(versionKey));
      await join('One');
      await snapshots.waitFor((items) => counts(items).at(-1) === 1, 10000, 'the queue with one');
      // Versioned before the join, published after it (its content marks it): older than the snapshot pushed.
      await api.app.get(EventsPublisher).publishQueue({ version: before, count: 99, sessions: [] });
      await join('Two');
      await snapshots.waitFor((items) => counts(items).at(-1) === 2, 10000, 'the queue with two');
      // Presence changes (the operator's socket) may push the same queue again; the stale one never comes.
      expect(counts(snapshots.items)).not.toContain(99);
    } finally {
      await ws.dispose();
    }
  });

  it("takes a broadcast's version before reading the queue: another instance's slow broadcast cannot replace a newer queue", async () => {
    // A second instance of the same deployment; its next broadcast is held after it has read the queue.
    const other = await startTestApi({ REDIS_PREFIX: api.config.redisPrefix, QUEUE_FALLBACK_WAIT_SECONDS: '90' });
    const operator = await givenOperator(api, { online: true });
    const ws = wsClient(api.wsUrl, operator.token);
    try {
      const snapshots = record(ws, QUEUE_UPDATED).recorder;
      await snapshots.waitFor((items) => items.length === 1, 10000, 'the current queue');
      const slow = await heldBroadcast(other);
      expect(slow.read.snapshot.count).toBe(0); // read before the join

      await join('One'); // broadcast by this instance, after the other one's read
      await snapshots.waitFor((items) => counts(items).at(-1) === 1, 10000, 'the queue with one');
      slow.release();
      await slow.published; // published: older than the queue with one, whatever order the two reached Redis in
      await join('Two');
      await snapshots.waitFor((items) => counts(items).at(-1) === 2, 10000, 'the queue with two');
      const received = counts(snapshots.items);
      expect(received.slice(received.indexOf(1))).not.toContain(0);
    } finally {
      await ws.dispose();
      await other.close();
    }
  });

  it('shows a waiting session in the queue exactly as the session itself reads, preview cut at 140 code points', async () => {
    const operator = await givenOperator(api, { online: true });
    const visitor = await givenVisitor(api, { name: 'Eve', email: 'eve@example.com', pageUrl: 'https://shop.example.com/cart', locale: 'de-AT' });
    const content = `${'🙂'.repeat(100)}${'x'.repeat(100)}`;
    const started = await gqlOk(api.httpUrl, START_SESSION, { input: { content } }, visitor.token);
    await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId: started.startSession.id, content: 'second', clientMessageId: 'q-2' } }, visitor.token);
    const fields = `id status queuePosition estimatedWaitSeconds queuedAt acceptedAt closedAt resolution closedBy preview lastSeq
      visitor { id name email pageUrl locale verified externalUserId createdAt } operator { id }`;
    const queued = await gqlOk(api.httpUrl, `{ waitingSessions { ${fields} } }`, {}, operator.token);
    const single = await gqlOk(api.httpUrl, `query($id: ID!) { session(id: $id) { ${fields} } }`, { id: started.startSession.id }, operator.token);
    expect(queued.waitingSessions).toEqual([single.session]);
    expect(single.session.preview).toBe(`${'🙂'.repeat(100)}${'x'.repeat(40)}`);
    expect(single.session.visitor).toMatchObject({ name: 'Eve', email: 'eve@example.com', locale: 'de-AT', verified: false });
  });

  it('estimates the wait from recent wait-to-accept times and operators online', async () => {
    await givenOperator(api, { online: true });
    const history = await givenVisitor(api);
    // Three accepted sessions today: waits of 30 s, 40 s and 600 s (median 40 s).
    for (const wait of [30, 40, 600]) {
      await sql(
        `INSERT INTO chat_session (id, visitor_id, status, queued_at, accepted_at, closed_at)
         VALUES (gen_random_uuid(), ?, 'CLOSED', now() - interval '1 hour', now() - interval '1 hour' + (? || ' seconds')::interval, now())`,
        [history.id, wait],
      );
    }
    const a = await join('A');
    const b = await join('B');
    expect(a.started.estimatedWaitSeconds).toBe(40);
    expect(b.started.estimatedWaitSeconds).toBe(80);
    // A second operator online halves the rounds.
    await givenOperator(api, { online: true });
    const again = await gqlOk(api.httpUrl, '{ session: mySessions { nodes { estimatedWaitSeconds } } }', {}, b.visitor.token);
    expect(again.session.nodes[0].estimatedWaitSeconds).toBe(40);
  });

  it('falls back to QUEUE_FALLBACK_WAIT_SECONDS without history, and says unknown (null) with nobody online', async () => {
    const lonely = await join('Lonely');
    expect(lonely.started.estimatedWaitSeconds).toBeNull();
    const operator = await givenOperator(api, { online: true });
    const next = await join('Next');
    expect(next.started.estimatedWaitSeconds).toBe(180); // position 2 × 90 s
    await gqlOk(api.httpUrl, 'mutation { setPresence(presence: AWAY) { presence } }', {}, operator.token);
    const afterAway = await gqlOk(api.httpUrl, '{ mySessions { nodes { estimatedWaitSeconds } } }', {}, next.visitor.token);
    expect(afterAway.mySessions.nodes[0].estimatedWaitSeconds).toBeNull();
  });
});
