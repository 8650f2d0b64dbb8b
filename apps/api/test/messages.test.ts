import { EntityManager } from '@mikro-orm/postgresql';
import { errorCode, gql, gqlOk, record, wsClient, wsExecute } from './support/api-client';
import { CLOSE_SESSION, messagesOf, SEND_MESSAGE, SESSION, SESSION_EVENTS, START_SESSION } from './support/operations';
import { givenActiveSession, givenVisitor, startTestApi, TestApi } from './support/test-app';

describe('messages', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('is idempotent on clientMessageId: a retry returns the same message and publishes nothing new', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api);
    const ws = wsClient(api.wsUrl, operator.token);
    try {
      const events = record(ws, SESSION_EVENTS, { id: sessionId, after: 2 });
      const input = { sessionId, content: 'Hello?', clientMessageId: 'retry-me' };
      const first = await gqlOk(api.httpUrl, SEND_MESSAGE, { input }, visitor.token);
      const retry = await gqlOk(api.httpUrl, SEND_MESSAGE, { input }, visitor.token);
      expect(retry.sendMessage).toEqual(first.sendMessage);
      const marker = await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { ...input, content: 'marker', clientMessageId: 'marker' } }, visitor.token);
      expect(marker.sendMessage.seq).toBe(first.sendMessage.seq + 1); // the retry spent no seq
      await events.recorder.waitFor((items) => messagesOf(items).some((m) => m.id === marker.sendMessage.id), 10000, 'marker');
      expect(messagesOf(events.recorder.items).map((m) => m.content)).toEqual(['Hello?', 'marker']);
    } finally {
      await ws.dispose();
    }
  });

  it('trims content and refuses empty or over-long content with BAD_USER_INPUT, storing nothing', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const send = (content: string, id: string) => gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content, clientMessageId: id } }, visitor.token);

    const trimmed = await send('  \n padded \t ', 't1');
    expect(trimmed.data!.sendMessage.content).toBe('padded');
    expect(errorCode(await send('   \n\t ', 'e1'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await send('', 'e2'))).toBe('BAD_USER_INPUT');
    // 4,000 code points is the limit, counted in code points: 4,000 emoji (8,000 UTF-16 units) pass.
    expect((await send('😀'.repeat(4000), 'ok-emoji')).errors).toBeUndefined();
    expect(errorCode(await send('x'.repeat(4001), 'e3'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await send('😀'.repeat(4001), 'e4'))).toBe('BAD_USER_INPUT');
    // A bad clientMessageId is refused too.
    expect(errorCode(await send('fine', 'has spaces in it'))).toBe('BAD_USER_INPUT');

    const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, visitor.token);
    expect(history.session.messages.map((m: any) => m.clientMessageId)).toEqual([expect.any(String), null, 't1', 'ok-emoji']);
    expect(history.session.lastSeq).toBe(4);
  });

  it('refuses a malformed clientMessageId (empty, over 64 characters, other characters) over HTTP and WebSocket, storing nothing', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const ws = wsClient(api.wsUrl, visitor.token);
    try {
      const viaHttp = (clientMessageId: string) => gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'hi', clientMessageId } }, visitor.token);
      const viaWs = (clientMessageId: string) => wsExecute(ws, SEND_MESSAGE, { input: { sessionId, content: 'hi', clientMessageId } });
      for (const send of [viaHttp, viaWs]) {
        for (const [bad, message] of [
          ['', 'clientMessageId must be 1–64 characters'],
          ['a'.repeat(65), 'clientMessageId must be 1–64 characters'],
          ['has spaces', 'clientMessageId may hold only letters, digits, "_", "-", ":" and "."'],
          ['slash/ed', 'clientMessageId may hold only letters, digits, "_", "-", ":" and "."'],
        ]) {
          const result = await send(bad);
          expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', field: 'clientMessageId' } });
        }
      }
      expect((await viaWs('A-z_0:9.' + 'x'.repeat(56))).errors).toBeUndefined(); // 64 characters of every kind allowed
      const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, visitor.token);
      expect(history.session.messages.map((m: any) => m.clientMessageId).slice(-1)).toEqual(['A-z_0:9.' + 'x'.repeat(56)]);
      expect(history.session.lastSeq).toBe(3);

      // startSession's first message follows the same rule, and a refused one creates no session.
      const newcomer = await givenVisitor(api);
      const refused = await gql(api.httpUrl, START_SESSION, { input: { content: 'hello', clientMessageId: 'a b' } }, newcomer.token);
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'clientMessageId' } });
      expect((await gqlOk(api.httpUrl, '{ mySessions { nodes { id } } }', {}, newcomer.token)).mySessions.nodes).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses null sent for a defaulted variable in a non-null position, over HTTP and WebSocket, storing nothing', async () => {
    // GraphQL allows `$c: String = "…"` where `String!` is expected; null sent for it is refused at run time.
    const { visitor, sessionId } = await givenActiveSession(api);
    const ws = wsClient(api.wsUrl, visitor.token);
    try {
      const documents = [
        `mutation($c: String = "x1") { sendMessage(input: { sessionId: "${sessionId}", content: "hi", clientMessageId: $c }) { seq } }`,
        `mutation($c: String = "hi") { sendMessage(input: { sessionId: "${sessionId}", content: $c, clientMessageId: "x2" }) { seq } }`,
        `mutation($c: ID = "${sessionId}") { sendMessage(input: { sessionId: $c, content: "hi", clientMessageId: "x3" }) { seq } }`,
        'mutation($c: Boolean = true) { setTyping(sessionId: "' + sessionId + '", isTyping: $c) }',
        // A directive's `if` too: over WebSocket the field (or the whole mutation) used to be dropped silently.
        'query($c: Boolean = true) { visitorMe { id name @include(if: $c) } }',
        `mutation($c: Boolean = true) { sendMessage(input: { sessionId: "${sessionId}", content: "hi", clientMessageId: "x4" }) @include(if: $c) { seq } }`,
      ];
      for (const document of documents) {
        const overHttp = await gql(api.httpUrl, document, { c: null }, visitor.token);
        const overWs = await wsExecute(ws, document, { c: null });
        expect([errorCode(overHttp), errorCode(overWs)]).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
      }
      const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, visitor.token);
      expect(history.session.lastSeq).toBe(2);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses a first message that is blank and creates no session', async () => {
    const visitor = await givenVisitor(api);
    const result = await gql(api.httpUrl, START_SESSION, { input: { content: '   ' } }, visitor.token);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    const mine = await gqlOk(api.httpUrl, '{ mySessions { nodes { id } } }', {}, visitor.token);
    expect(mine.mySessions.nodes).toEqual([]);
  });

  it('answers NOT_FOUND for an unknown or malformed session id', async () => {
    const visitor = await givenVisitor(api);
    const unknown = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId: '00000000-0000-4000-8000-000000000000', content: 'hi', clientMessageId: 'x' } }, visitor.token);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(errorCode(await gql(api.httpUrl, SESSION, { id: 'not-a-uuid' }, visitor.token))).toBe('NOT_FOUND');
  });

  it('refuses writing into a closed session with SESSION_CLOSED, but a retry of a delivered message still succeeds', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api);
    const delivered = await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'before close', clientMessageId: 'b-1' } }, visitor.token);
    await gqlOk(api.httpUrl, CLOSE_SESSION, { id: sessionId, resolution: 'Done' }, operator.token);
    const late = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'after close', clientMessageId: 'a-1' } }, visitor.token);
    expect(errorCode(late)).toBe('SESSION_CLOSED');
    const fromOperator = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'after close', clientMessageId: 'a-2' } }, operator.token);
    expect(errorCode(fromOperator)).toBe('SESSION_CLOSED');
    const retried = await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'before close', clientMessageId: 'b-1' } }, visitor.token);
    expect(retried.sendMessage.id).toBe(delivered.sendMessage.id);
    expect(errorCode(await gql(api.httpUrl, CLOSE_SESSION, { id: sessionId, resolution: 'Again' }, operator.token))).toBe('SESSION_CLOSED');
  });

  it('gives every message a time-ordered UUIDv7 id (RFC 9562 §5.7): ids ascend in creation order, as strings and as PostgreSQL uuids', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api, 'first'); // the visitor's first line, then OPERATOR_JOINED
    for (let i = 0; i < 6; i++) {
      const sender = i % 2 === 0 ? visitor : operator;
      await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: `m${i}`, clientMessageId: `v7-${i}` } }, sender.token);
    }
    await gqlOk(api.httpUrl, CLOSE_SESSION, { id: sessionId, resolution: 'Done' }, operator.token); // CLOSED_BY_OPERATOR

    const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, operator.token);
    const messages: { id: string; seq: number; sentAt: string }[] = history.session.messages;
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const m of messages) {
      // version 7 in the 13th hex digit, variant 10 in the 17th
      expect(m.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // the first 48 bits are the Unix ms of creation: within a few seconds of sentAt
      const idMs = parseInt(m.id.replace(/-/g, '').slice(0, 12), 16);
      expect(Math.abs(idMs - Date.parse(m.sentAt))).toBeLessThan(5000);
    }
    const ids = messages.map((m) => m.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const byId = await api.app.get(EntityManager).fork().getConnection().execute<{ seq: number }[]>('SELECT seq FROM message WHERE session_id = ? ORDER BY id', [sessionId]);
    expect(byId.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('pages history forwards with afterSeq and backwards with beforeSeq', async () => {
    const { visitor, sessionId } = await givenActiveSession(api, 'one');
    for (let i = 0; i < 8; i++) {
      await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: `n${i}`, clientMessageId: `p${i}` } }, visitor.token);
    }
    const after = await gqlOk(api.httpUrl, SESSION, { id: sessionId, after: 5, first: 3 }, visitor.token);
    expect(after.session.messages.map((m: any) => m.seq)).toEqual([6, 7, 8]);
    const before = await gqlOk(api.httpUrl, SESSION, { id: sessionId, before: 6, first: 3 }, visitor.token);
    expect(before.session.messages.map((m: any) => m.seq)).toEqual([3, 4, 5]);
    expect(errorCode(await gql(api.httpUrl, SESSION, { id: sessionId, first: 0 }, visitor.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(api.httpUrl, SESSION, { id: sessionId, first: 201 }, visitor.token))).toBe('BAD_USER_INPUT');
  });
});
