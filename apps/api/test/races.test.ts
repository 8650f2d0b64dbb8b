import { EntityManager } from '@mikro-orm/postgresql';
import { errorCode, gql, gqlOk, record, wsClient } from './support/api-client';
import { ACCEPT_SESSION, eventsOf, SEND_MESSAGE, SESSION, SESSION_EVENTS, START_SESSION } from './support/operations';
import { givenActiveSession, givenOperator, givenVisitor, givenWaitingSession, startTestApi, TestApi } from './support/test-app';

describe('races', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('lets exactly one of 20 operators accept a session; the others get SESSION_ALREADY_TAKEN; one OperatorJoined', async () => {
    const { visitor, sessionId } = await givenWaitingSession(api, 'Anyone there?');
    const operators = await Promise.all(Array.from({ length: 20 }, (_, i) => givenOperator(api, { name: `Racer ${i}` })));
    const ws = wsClient(api.wsUrl, visitor.token);
    try {
      const events = record(ws, SESSION_EVENTS, { id: sessionId, after: 0 });
      await events.recorder.waitFor((items) => items.length >= 1, 10000, 'replay');

      const results = await Promise.all(operators.map((op) => gql(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, op.token)));
      const winners = results.filter((r) => !r.errors);
      const losers = results.filter((r) => r.errors);
      expect(winners).toHaveLength(1);
      expect(losers.map(errorCode)).toEqual(Array(19).fill('SESSION_ALREADY_TAKEN'));
      // The winner gets the session with its history.
      expect(winners[0].data!.acceptSession.messages.map((m: any) => m.content)).toEqual([
        'Anyone there?',
        `${winners[0].data!.acceptSession.operator.name} joined the chat`,
      ]);

      await events.recorder.waitFor((items) => eventsOf(items, 'OperatorJoined').length === 1, 10000, 'OperatorJoined');
      await new Promise((r) => setTimeout(r, 300)); // would-be duplicates have had time to arrive
      expect(eventsOf(events.recorder.items, 'OperatorJoined')).toHaveLength(1);

      const stored = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, operators[0].token);
      expect(stored.session.operator.id).toBe(winners[0].data!.acceptSession.operator.id);
      expect(stored.session.messages.filter((m: any) => m.senderRole === 'SYSTEM')).toHaveLength(1);
    } finally {
      await ws.dispose();
    }
  });

  it('gives two concurrent startSession calls of one visitor the same single open session', async () => {
    const visitor = await givenVisitor(api);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => gqlOk(api.httpUrl, START_SESSION, {}, visitor.token)));
    expect(new Set([a.startSession.id, b.startSession.id, c.startSession.id]).size).toBe(1);
    const rows = await api.app
      .get(EntityManager)
      .fork()
      .getConnection()
      .execute(`SELECT count(*)::int AS n FROM chat_session WHERE visitor_id = ? AND status <> 'CLOSED'`, [visitor.id]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses a second open session for a visitor at the database level', async () => {
    const { visitor } = await givenWaitingSession(api);
    const insert = api.app
      .get(EntityManager)
      .fork()
      .getConnection()
      .execute(`INSERT INTO chat_session (id, visitor_id, status) VALUES (gen_random_uuid(), ?, 'WAITING')`, [visitor.id]);
    await expect(insert).rejects.toThrow(/chat_session_one_open_per_visitor/);
  });

  it('numbers 60 concurrent messages from both sides 1…n without gaps or duplicates', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api);
    const sends = Array.from({ length: 60 }, (_, i) =>
      gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: `m${i}`, clientMessageId: `c-${i}` } }, i % 2 ? visitor.token : operator.token),
    );
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.errors)).toEqual([]);
    const seqs = results.map((r) => r.data!.sendMessage.seq).sort((x: number, y: number) => x - y);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 3)); // 1 = first message, 2 = joined line
    const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId, first: 200 }, operator.token);
    expect(history.session.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
  });

  it('stores one message when the same clientMessageId is sent concurrently', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'once', clientMessageId: 'dup-1' } }, visitor.token)),
    );
    expect(new Set(results.map((r) => r.sendMessage.id)).size).toBe(1);
    const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, visitor.token);
    expect(history.session.messages.filter((m: any) => m.content === 'once')).toHaveLength(1);
    expect(history.session.lastSeq).toBe(3);
  });
});
