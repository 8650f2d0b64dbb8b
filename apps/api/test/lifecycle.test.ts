import { gql, gqlOk, record, wsClient } from './support/api-client';
import {
  ACCEPT_SESSION,
  CLOSE_SESSION,
  eventsOf,
  messagesOf,
  RATE_SESSION,
  SEND_MESSAGE,
  SESSION,
  SESSION_EVENTS,
  SET_TYPING,
  START_SESSION,
} from './support/operations';
import { givenOperator, givenVisitor, givenWaitingSession, resetDatabase, startTestApi, TestApi } from './support/test-app';

describe('a whole conversation', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    await resetDatabase(api);
  });
  afterAll(() => api.close());

  it('goes from a visitor’s first message through the queue to an operator, close and rating', async () => {
    const visitor = await givenVisitor(api, { name: 'Ada', email: 'ada@example.com', pageUrl: 'https://shop.example/cart', locale: 'en' });
    const operator = await givenOperator(api, { name: 'Olga', online: true });

    // Visitor starts a chat with a first message and is told its place in the queue.
    const started = await gqlOk(api.httpUrl, START_SESSION, { input: { content: '  Where is my order?  ', clientMessageId: 'v-1' } }, visitor.token);
    const sessionId = started.startSession.id;
    expect(started.startSession).toMatchObject({ status: 'WAITING', queuePosition: 1, lastSeq: 1, visitor: { name: 'Ada' } });
    expect(started.startSession.estimatedWaitSeconds).toBeGreaterThan(0);

    const visitorWs = wsClient(api.wsUrl, visitor.token);
    const operatorWs = wsClient(api.wsUrl, operator.token);
    try {
      const visitorSide = record(visitorWs, SESSION_EVENTS, { id: sessionId, after: 0 });
      await visitorSide.recorder.waitFor((items) => eventsOf(items, 'QueuePositionChanged').length > 0, 10000, 'queue position');
      expect(messagesOf(visitorSide.recorder.items).map((m) => m.content)).toEqual(['Where is my order?']);
      expect(eventsOf(visitorSide.recorder.items, 'QueuePositionChanged')[0]).toMatchObject({ position: 1, operatorsOnline: 1 });

      // The operator accepts and gets the history with the acceptance.
      const accepted = await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, operator.token);
      expect(accepted.acceptSession.status).toBe('ACTIVE');
      expect(accepted.acceptSession.operator.name).toBe('Olga');
      expect(accepted.acceptSession.messages.map((m: any) => [m.seq, m.senderRole, m.systemEvent, m.content])).toEqual([
        [1, 'VISITOR', null, 'Where is my order?'],
        [2, 'SYSTEM', 'OPERATOR_JOINED', 'Olga joined the chat'],
      ]);
      await visitorSide.recorder.waitFor((items) => eventsOf(items, 'OperatorJoined').length === 1, 10000, 'OperatorJoined');
      expect(eventsOf(visitorSide.recorder.items, 'OperatorJoined')[0].operator).toEqual({ id: operator.id, name: 'Olga', email: null });

      const operatorSide = record(operatorWs, SESSION_EVENTS, { id: sessionId, after: 2 });
      // Messages both ways, typing both ways.
      await gqlOk(api.httpUrl, SET_TYPING, { id: sessionId, typing: true }, operator.token);
      await visitorSide.recorder.waitFor((items) => eventsOf(items, 'TypingChanged').length === 1, 10000, 'typing');
      expect(eventsOf(visitorSide.recorder.items, 'TypingChanged')[0]).toMatchObject({ senderRole: 'OPERATOR', isTyping: true });

      const reply = await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'It ships today.', clientMessageId: 'o-1' } }, operator.token);
      expect(reply.sendMessage).toMatchObject({ seq: 3, senderRole: 'OPERATOR', senderName: 'Olga' });
      const thanks = await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'Thanks!', clientMessageId: 'v-2' } }, visitor.token);
      expect(thanks.sendMessage.seq).toBe(4);

      await operatorSide.recorder.waitFor((items) => messagesOf(items).length === 2, 10000, 'operator sees both');
      expect(messagesOf(operatorSide.recorder.items).map((m) => m.seq)).toEqual([3, 4]);

      // Close with a resolution; the visitor sees it and rates.
      const closed = await gqlOk(api.httpUrl, CLOSE_SESSION, { id: sessionId, resolution: 'Order status given' }, operator.token);
      expect(closed.closeSession).toMatchObject({ status: 'CLOSED', resolution: 'Order status given' });
      await visitorSide.recorder.waitFor((items) => eventsOf(items, 'SessionClosed').length === 1, 10000, 'SessionClosed');
      expect(eventsOf(visitorSide.recorder.items, 'SessionClosed')[0]).toMatchObject({ resolution: 'Order status given', closedBy: 'OPERATOR' });
      expect(messagesOf(visitorSide.recorder.items).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);

      const rated = await gqlOk(api.httpUrl, RATE_SESSION, { id: sessionId, score: 5, comment: 'Quick!' }, visitor.token);
      expect(rated.rateSession).toMatchObject({ score: 5, comment: 'Quick!' });

      const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, operator.token);
      expect(history.session).toMatchObject({ status: 'CLOSED', closedBy: 'OPERATOR', rating: { score: 5, comment: 'Quick!' }, lastSeq: 5 });
      expect(history.session.messages.at(-1)).toMatchObject({ senderRole: 'SYSTEM', systemEvent: 'CLOSED_BY_OPERATOR' });
      expect(history.session.messages.map((m: any) => m.content)).toEqual([
        'Where is my order?',
        'Olga joined the chat',
        'It ships today.',
        'Thanks!',
        'Chat closed: Order status given',
      ]);
      // The same sentAt everywhere: mutation result, subscription payload, history.
      const live = messagesOf(visitorSide.recorder.items).find((m) => m.seq === 3);
      expect(live.sentAt).toBe(reply.sendMessage.sentAt);
      expect(history.session.messages[2].sentAt).toBe(reply.sendMessage.sentAt);
      expect(reply.sendMessage.sentAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await visitorWs.dispose();
      await operatorWs.dispose();
    }
  });

  it('lets a visitor start a new chat after the previous one closed, and startSession is idempotent while open', async () => {
    const visitor = await givenVisitor(api);
    const first = await gqlOk(api.httpUrl, START_SESSION, {}, visitor.token);
    const again = await gqlOk(api.httpUrl, START_SESSION, {}, visitor.token);
    expect(again.startSession.id).toBe(first.startSession.id);
    await gqlOk(api.httpUrl, CLOSE_SESSION, { id: first.startSession.id }, visitor.token);
    const left = await gqlOk(api.httpUrl, SESSION, { id: first.startSession.id }, visitor.token);
    expect(left.session).toMatchObject({ status: 'CLOSED', closedBy: 'VISITOR', resolution: null });
    expect(left.session.messages.at(-1)).toMatchObject({ systemEvent: 'VISITOR_LEFT', content: 'The visitor left the chat' });
    const next = await gqlOk(api.httpUrl, START_SESSION, {}, visitor.token);
    expect(next.startSession.id).not.toBe(first.startSession.id);
    expect(next.startSession.status).toBe('WAITING');
  });

  it('lists chat sessions page by page for operators, and refuses a cursor it did not give out', async () => {
    const operator = await givenOperator(api);
    const started = [await givenWaitingSession(api, 'one'), await givenWaitingSession(api, 'two')].map((w) => w.sessionId);
    const PAGE = 'query($after: String) { sessions(first: 1, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await gqlOk(api.httpUrl, PAGE, { after }, operator.token)).sessions;
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length); // no session twice
    expect(seen).toEqual(expect.arrayContaining(started));

    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const made of [
      cursor({ queuedAt: '2020-01-01T00:00:00.000Z', id: 'x' }), // not a session id
      cursor({ queuedAt: '99999-01-01', id: started[0] }), // a year PostgreSQL cannot compare
      cursor({ queuedAt: 'yesterday', id: started[0] }),
      cursor({ queuedAt: '2020-02-30', id: started[0] }), // would read as 1 March
      cursor({ queuedAt: '0000-01-01T00:00:00.000Z', id: started[0] }),
      cursor({ queuedAt: '2026-11-30T13:52:54.693Z', id: started[0], x: 1 }), // more than encodeCursor writes
      cursor({ id: started[0] }),
      'not base64 json',
    ]) {
      const result = await gql(api.httpUrl, PAGE, { after: made }, operator.token);
      expect(result.errors?.[0]).toMatchObject({ message: 'after is not a cursor this API gave out', extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
    }
  });
});
