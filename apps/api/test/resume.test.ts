import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { PUB_SUB } from '../src/realtime/redis.providers';
import { Topics } from '../src/realtime/topics';
import { SessionEventStream } from '../src/sessions/session-event-stream';
import { gqlOk, record, wsClient } from './support/api-client';
import { eventually } from './support/wait-for';
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

  it('pushes live events to the socket without graphql-ws pulling the stream, and an event whose selection fails reaches the client as an error with its code', async () => {
    const pulls = jest.spyOn(SessionEventStream.prototype, 'next');
    const pushes = jest.spyOn(SessionEventStream.prototype, 'pushTo');
    const { visitor, operator, sessionId } = await givenActiveSession(api, 'pushed');
    const ws = wsClient(api.wsUrl, visitor.token);
    try {
      const results: Array<{ data?: { sessionEvents?: { __typename: string } } | null; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }> = [];
      // Counted by kind: an OperatorJoined published by the accept may also arrive live, depending on timing.
      const messages = () => results.filter((r) => r.data?.sessionEvents?.__typename === 'MessageCreated').length;
      ws.subscribe({ query: SESSION_EVENTS, variables: { id: sessionId, after: 0 } }, { next: (r) => void results.push(r as (typeof results)[number]), error: () => undefined, complete: () => undefined });
      await eventually(() => messages() === 2, 'history');
      await send(operator.token, sessionId, 'live one');
      await eventually(() => messages() === 3, 'live message');
      expect(pushes).toHaveBeenCalledTimes(1);
      expect(pulls).not.toHaveBeenCalled();

      // An event the selection cannot serialize (content is non-null in the schema): a field error in a next message.
      const topic = api.app.get(Topics).session(sessionId);
      const broken = { __typename: 'MessageCreated', sessionId, message: { id: randomUUID(), sessionId, seq: 4, senderRole: 'OPERATOR', content: null, clientMessageId: 'x', sentAt: new Date() } };
      await api.app.get<RedisPubSub>(PUB_SUB).publish(topic, broken);
      await eventually(() => results.some((r) => r.errors), 'the broken event');
      expect(results.find((r) => r.errors)?.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }); // formatted as over HTTP
    } finally {
      pulls.mockRestore();
      pushes.mockRestore();
      await ws.dispose();
    }
  });

  it('closes with 4409 a socket that subscribes again with an id whose operation is still running, leaving no stream behind; an id may be reused once finished', async () => {
    const { visitor, sessionId } = await givenActiveSession(api, 'ids');
    const topic = api.app.get(Topics).session(sessionId);
    const redis = new Redis('redis://127.0.0.1:6379');
    const subscribe = (id: string) => JSON.stringify({ id, type: 'subscribe', payload: { query: SESSION_EVENTS, variables: { id: sessionId, after: 0 } } });
    const connect = async () => {
      const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
      const frames: Array<{ id?: string; type: string }> = [];
      socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { id?: string; type: string }));
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authToken: visitor.token } }));
      await eventually(() => frames.some((frame) => frame.type === 'connection_ack'), 'ack');
      return { socket, frames, closed };
    };
    try {
      // subscribe, complete and subscribe again with one id, in one packet: the first is still being set up.
      const racing = await connect();
      const tcp = (racing.socket as unknown as { _socket: Socket })._socket;
      tcp.cork();
      racing.socket.send(subscribe('x'));
      racing.socket.send(JSON.stringify({ id: 'x', type: 'complete' }));
      racing.socket.send(subscribe('x'));
      process.nextTick(() => tcp.uncork());
      racing.socket.pause(); // the client does not answer the server's close frame yet
      await new Promise((r) => setTimeout(r, 300));
      racing.socket.send(subscribe('z')); // sent after the server began closing: not run
      await new Promise((r) => setTimeout(r, 300));
      expect(await redis.pubsub('NUMSUB', topic)).toEqual([topic, 0]); // no stream left subscribed
      racing.socket.resume();
      expect(await racing.closed).toBe(4409);

      // An operation refused before it runs, completed in the same packet, leaves its id free.
      const refused = await connect();
      const refusedTcp = (refused.socket as unknown as { _socket: Socket })._socket;
      refusedTcp.cork();
      refused.socket.send(JSON.stringify({ id: 'r', type: 'subscribe', payload: { query: 'subscription {' } }));
      refused.socket.send(JSON.stringify({ id: 'r', type: 'complete' }));
      process.nextTick(() => refusedTcp.uncork());
      await new Promise((r) => setTimeout(r, 300));
      refused.socket.send(subscribe('r'));
      await eventually(() => refused.frames.filter((frame) => frame.id === 'r' && frame.type === 'next').length === 2, 'the id used again');
      refused.socket.close();
      await refused.closed;

      // Reusing an id after its subscription has finished is allowed.
      const calm = await connect();
      calm.socket.send(subscribe('y'));
      await eventually(() => calm.frames.filter((frame) => frame.id === 'y' && frame.type === 'next').length === 2, 'history');
      calm.socket.send(JSON.stringify({ id: 'y', type: 'complete' }));
      await new Promise((r) => setTimeout(r, 200));
      calm.socket.send(subscribe('y'));
      await eventually(() => calm.frames.filter((frame) => frame.id === 'y' && frame.type === 'next').length === 4, 'history again');
      expect(await redis.pubsub('NUMSUB', topic)).toEqual([topic, 1]);
      calm.socket.close();
      await calm.closed;
    } finally {
      await redis.quit();
    }
  });
});
