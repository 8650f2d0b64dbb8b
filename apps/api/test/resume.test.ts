import { gqlOk, record, wsClient } from './support/api-client';
import { messagesOf, SEND_MESSAGE, SESSION_EVENTS } from './support/operations';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';

describe('resume with afterSeq', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const send = (token: string, sessionId: string, content: string) =>
    gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content, clientMessageId: content.replace(/\s/g, '-') } }, token);

  it('delivers exactly what was missed while disconnected, then live messages, with no gap and no duplicate', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api, 'first');
    const first = wsClient(api.wsUrl, visitor.token);
    const before = record(first, SESSION_EVENTS, { id: sessionId, after: 0 });
    await before.recorder.waitFor((items) => messagesOf(items).length === 2, 10000, 'initial history');
    await send(operator.token, sessionId, 'seen live');
    await before.recorder.waitFor((items) => messagesOf(items).length === 3, 10000, 'live message');
    const lastSeen = messagesOf(before.recorder.items).at(-1).seq;
    await first.dispose(); // the visitor's connection drops

    for (const text of ['missed 1', 'missed 2', 'missed 3']) await send(operator.token, sessionId, text);

    const second = wsClient(api.wsUrl, visitor.token);
    try {
      const after = record(second, SESSION_EVENTS, { id: sessionId, after: lastSeen });
      await after.recorder.waitFor((items) => messagesOf(items).length === 3, 10000, 'catch-up');
      await send(operator.token, sessionId, 'live again');
      await after.recorder.waitFor((items) => messagesOf(items).length === 4, 10000, 'live after catch-up');
      expect(messagesOf(after.recorder.items).map((m) => [m.seq, m.content])).toEqual([
        [4, 'missed 1'],
        [5, 'missed 2'],
        [6, 'missed 3'],
        [7, 'live again'],
      ]);
    } finally {
      await second.dispose();
    }
  });

  it('stays contiguous when messages keep arriving while the replay runs', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api, 'start');
    for (let i = 0; i < 30; i++) await send(operator.token, sessionId, `old ${i}`);
    const ws = wsClient(api.wsUrl, visitor.token);
    try {
      const sub = record(ws, SESSION_EVENTS, { id: sessionId, after: 1 });
      const during = Array.from({ length: 30 }, (_, i) => send(visitor.token, sessionId, `new ${i}`));
      await Promise.all(during);
      const total = 2 + 30 + 30; // first message + joined line + 30 + 30
      await sub.recorder.waitFor((items) => messagesOf(items).length === total - 1, 15000, 'all messages');
      await new Promise((r) => setTimeout(r, 200));
      expect(messagesOf(sub.recorder.items).map((m) => m.seq)).toEqual(Array.from({ length: total - 1 }, (_, i) => i + 2));
    } finally {
      await ws.dispose();
    }
  });

  it('without afterSeq starts live from the current message, still without gaps', async () => {
    const { visitor, operator, sessionId } = await givenActiveSession(api, 'earlier');
    const ws = wsClient(api.wsUrl, visitor.token);
    try {
      const sub = record(ws, SESSION_EVENTS, { id: sessionId });
      await new Promise((r) => setTimeout(r, 300)); // subscription established
      await send(operator.token, sessionId, 'now');
      await sub.recorder.waitFor((items) => messagesOf(items).length === 1, 10000, 'live only');
      expect(messagesOf(sub.recorder.items)[0]).toMatchObject({ seq: 3, content: 'now' });
    } finally {
      await ws.dispose();
    }
  });
});
