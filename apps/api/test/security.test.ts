import { errorCode, gql, gqlOk, GqlResult, record, wsClient, wsExecute } from './support/api-client';
import { SEND_MESSAGE, SESSION_EVENTS, START_SESSION } from './support/operations';
import { givenActiveSession, givenOperator, givenVisitor, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { getIntrospectionQuery } from 'graphql';
import Redis from 'ioredis';
import { REDIS_COMMAND_TIMEOUT_MS, REDIS_DIRECT, REDIS_RATE_LIMITS } from '../src/realtime/redis.providers';

/** A graphql-ws client whose upgrade request carries a browser `Origin`. */
function clientFrom(origin: string, url: string) {
  class OriginWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { origin } });
    }
  }
  return createClient({ url, webSocketImpl: OriginWebSocket, retryAttempts: 0, lazy: true });
}

describe('limits and abuse protection', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({
      RATE_LIMIT_MESSAGES_PER_MINUTE: '5',
      RATE_LIMIT_SESSIONS_PER_MINUTE: '2',
      RATE_LIMIT_VISITORS_PER_MINUTE: '4',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
      WS_MAX_SOCKETS_PER_IP: '4',
      ALLOWED_ORIGINS: 'https://shop.example.com',
    });
  });
  afterAll(() => api.close());

  describe('rate limits (Redis, shared by every instance)', () => {
    it('limits messages per visitor with RATE_LIMITED and a retry-after, storing nothing refused, across two instances', async () => {
      const second = await startTestApi({ REDIS_PREFIX: api.config.redisPrefix, RATE_LIMIT_MESSAGES_PER_MINUTE: '5' });
      try {
        const { visitor, sessionId } = await givenActiveSession(api);
        const send = (target: TestApi, i: number) =>
          gql(target.httpUrl, SEND_MESSAGE, { input: { sessionId, content: `m${i}`, clientMessageId: `rl-${i}` } }, visitor.token);
        // The session's first message (startSession's content) was the first of the 5.
        for (let i = 0; i < 4; i++) expect((await send(i % 2 ? second : api, i)).errors).toBeUndefined();
        const refused = await send(api, 4);
        expect(errorCode(refused)).toBe('RATE_LIMITED');
        expect(refused.errors![0].extensions!.retryAfterSeconds).toEqual(expect.any(Number));
        expect(refused.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
        expect(refused.errors![0].extensions!.retryAfterSeconds).toBeLessThanOrEqual(60);
        const history = await gqlOk(api.httpUrl, '{ mySessions { nodes { lastSeq } } }', {}, visitor.token);
        expect(history.mySessions.nodes[0].lastSeq).toBe(6); // first message + joined line + 4
      } finally {
        await second.close();
      }
    });

    it('counts the message startSession carries against the message limit', async () => {
      const visitor = await givenVisitor(api);
      const started = await gqlOk(api.httpUrl, START_SESSION, { input: { content: 'm0' } }, visitor.token);
      const sessionId = started.startSession.id;
      for (let i = 1; i < 5; i++) {
        await gqlOk(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: `m${i}`, clientMessageId: `sc-${i}` } }, visitor.token);
      }
      const refused = await gql(api.httpUrl, START_SESSION, { input: { content: 'm5' } }, visitor.token);
      expect(errorCode(refused)).toBe('RATE_LIMITED');
      expect(refused.errors![0].message).toMatch(/messages/);
      const history = await gqlOk(api.httpUrl, '{ mySessions { nodes { lastSeq } } }', {}, visitor.token);
      expect(history.mySessions.nodes[0].lastSeq).toBe(5);
    });

    it('limits starting sessions per visitor', async () => {
      const visitor = await givenVisitor(api);
      expect((await gql(api.httpUrl, START_SESSION, {}, visitor.token)).errors).toBeUndefined();
      expect((await gql(api.httpUrl, START_SESSION, {}, visitor.token)).errors).toBeUndefined();
      expect(errorCode(await gql(api.httpUrl, START_SESSION, {}, visitor.token))).toBe('RATE_LIMITED');
    });
  });

  describe('text longer than its column in characters', () => {
    it('counts code points as PostgreSQL does: a name of 61 × "a" + U+FE0F (122 characters) is BAD_USER_INPUT, 60 are stored', async () => {
      const createVisitor = 'mutation($n: String) { createVisitor(input: { name: $n }) { token visitor { name } } }';
      const refused = await gql(api.httpUrl, createVisitor, { n: 'a\uFE0F'.repeat(61) });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].message).toMatch(/name must be shorter than or equal to 120 characters/);
      const stored = await gql(api.httpUrl, createVisitor, { n: 'a\uFE0F'.repeat(60) });
      expect(stored.errors).toBeUndefined();
      expect(stored.data?.createVisitor.visitor.name).toBe('a\uFE0F'.repeat(60));
    });
  });

  it('refuses a subscription sent over HTTP with BAD_USER_INPUT, with or without a token', async () => {
    const operator = await givenOperator(api);
    for (const token of [operator.token, undefined]) {
      const response = await fetch(`${api.httpUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: 'subscription { queueUpdated { count } }' }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as GqlResult;
      expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/over WebSocket only/), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  describe('GraphQL limits (GraphQL Armor), on HTTP and WebSocket', () => {
    const aliases = `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: visitorMe { id }`).join(' ')} }`;
    const directives = `{ __typename ${'@include(if: true) '.repeat(21)} }`;
    const tokens = `{ ${'__typename '.repeat(2001)} }`;
    const deep = `{ __schema { types { fields { type ${'{ ofType '.repeat(25)}{ name }${' }'.repeat(25)} } } } }`;

    it.each([
      ['aliases', aliases],
      ['directives', directives],
      ['tokens', tokens],
      ['depth', deep],
    ])('refuses too many %s over HTTP with BAD_USER_INPUT', async (_what, query) => {
      expect(errorCode(await gql(api.httpUrl, query))).toBe('BAD_USER_INPUT');
    });

    it('still answers the standard introspection query (when introspection is on)', async () => {
      expect((await gql(api.httpUrl, getIntrospectionQuery())).errors).toBeUndefined();
    });

    it.each([
      ['aliases', aliases],
      ['depth', deep],
      ['tokens', tokens],
    ])('refuses too many %s over WebSocket too', async (_what, query) => {
      const ws = wsClient(api.wsUrl);
      try {
        const result = await wsExecute(ws, query);
        expect(result.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      } finally {
        await ws.dispose();
      }
    });

    const twoOperations = 'query A { __typename } query B { __typename }';
    const sessionById = 'query ($id: ID!) { session(id: $id) { id } }';
    const subscribeAfter = 'subscription ($id: ID!, $after: Int) { sessionEvents(sessionId: $id, afterSeq: $after) { __typename } }';
    it.each([
      ['several operations and no operationName', twoOperations, {}, undefined],
      ['an operationName the document does not hold', twoOperations, {}, 'C'],
      ['a required variable missing', sessionById, {}, undefined],
      ['a variable of the wrong type', sessionById, { id: { not: 'an id' } }, undefined],
      ['a subscription variable of the wrong type', subscribeAfter, { id: '3b241101-e2bb-4255-8caf-4136c566a962', after: 'abc' }, undefined],
      ['a subscription variable missing', subscribeAfter, {}, undefined],
      // The client's own text reading like an outage must not come back as a retryable SERVICE_UNAVAILABLE.
      ['an operationName that reads as an outage', '{ __typename }', {}, 'Connection terminated'],
      ['an Int variable whose value reads as an outage', subscribeAfter, { id: '3b241101-e2bb-4255-8caf-4136c566a962', after: 'Connection terminated' }, undefined],
    ])('answers %s with BAD_USER_INPUT on HTTP and WebSocket alike', async (_what, query, variables, operationName) => {
      expect(errorCode(await gql(api.httpUrl, query, variables, undefined, operationName))).toBe('BAD_USER_INPUT');
      const ws = wsClient(api.wsUrl);
      try {
        expect(errorCode(await wsExecute(ws, query, variables, operationName))).toBe('BAD_USER_INPUT');
      } finally {
        await ws.dispose();
      }
    });

    it('names an empty operationName as unknown, as HTTP does', async () => {
      const ws = wsClient(api.wsUrl);
      try {
        const result = await wsExecute(ws, '{ __typename }', {}, '');
        expect(result.errors).toEqual([{ message: 'Unknown operation named "".', extensions: { code: 'BAD_USER_INPUT' } }]);
      } finally {
        await ws.dispose();
      }
    });

    it('refuses batched HTTP operations', async () => {
      const response = await fetch(`${api.httpUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
      });
      expect(response.status).toBe(400);
    });
  });

  it('gives up on a hung Redis after REDIS_COMMAND_TIMEOUT_MS for the rate limits only: publishes wait for it', () => {
    expect(api.app.get<Redis>(REDIS_RATE_LIMITS).options.commandTimeout).toBe(REDIS_COMMAND_TIMEOUT_MS);
    expect(api.app.get<Redis>(REDIS_DIRECT).options.commandTimeout).toBeUndefined();
  });

  describe('WebSocket caps', () => {
    it('limits operations running at once on one socket', async () => {
      const { visitor, sessionId } = await givenActiveSession(api);
      const ws = wsClient(api.wsUrl, visitor.token);
      try {
        const subs = [1, 2, 3].map(() => record(ws, SESSION_EVENTS, { id: sessionId, after: 0 }));
        await Promise.all(subs.map((s) => s.recorder.waitFor((items) => items.length > 0, 10000, 'replay')));
        const fourth = record(ws, SESSION_EVENTS, { id: sessionId, after: 0 });
        // With when to retry: the extensions the guardrails set pass formatGraphQLError.
        await expect(fourth.recorder.waitFor(() => false, 5000)).rejects.toThrow(/"code":"RATE_LIMITED","retryAfterSeconds":1}/);
        subs[0].stop();
        await new Promise((r) => setTimeout(r, 200));
        const again = record(ws, SESSION_EVENTS, { id: sessionId, after: 0 });
        await again.recorder.waitFor((items) => items.length > 0, 10000, 'a freed slot');
      } finally {
        await ws.dispose();
      }
    });

    it('frees the place of every operation that ends, however it ends', async () => {
      const { visitor, sessionId } = await givenActiveSession(api);
      const ws = wsClient(api.wsUrl, visitor.token);
      try {
        // Held open throughout, so that every operation below runs on this one socket (the client is lazy: it
        // would close its socket after each operation, and a new socket starts with no place taken).
        const held = record(ws, SESSION_EVENTS, { id: sessionId, after: 0 });
        await held.recorder.waitFor((items) => items.length > 0, 10000, 'replay');
        // More operations than the cap, one after another: answered, refused before running, failed while running
        // (a mutation and a subscription its resolver refuses), completed by the client.
        const missing = '00000000-0000-4000-8000-000000000000';
        for (let i = 0; i < 4; i++) expect((await wsExecute(ws, '{ __typename }')).data).toEqual({ __typename: 'Query' });
        for (let i = 0; i < 4; i++) expect(errorCode(await wsExecute(ws, '{ noSuchField }'))).toBe('BAD_USER_INPUT');
        for (let i = 0; i < 4; i++) {
          const input = { sessionId: missing, content: 'lost', clientMessageId: `gone-${i}` };
          expect(errorCode(await wsExecute(ws, SEND_MESSAGE, { input }))).toBe('NOT_FOUND');
          expect(errorCode(await wsExecute(ws, SESSION_EVENTS, { id: missing, after: 0 }))).toBe('NOT_FOUND');
        }
        for (let i = 0; i < 4; i++) {
          const sub = record(ws, SESSION_EVENTS, { id: sessionId, after: 0 });
          await sub.recorder.waitFor((items) => items.length > 0, 10000, 'replay');
          sub.stop();
        }
        const subs = [1, 2].map(() => record(ws, SESSION_EVENTS, { id: sessionId, after: 0 }));
        await Promise.all(subs.map((s) => s.recorder.waitFor((items) => items.length > 0, 10000, 'replay')));
        expect(errorCode(await wsExecute(ws, '{ __typename }'))).toBe('RATE_LIMITED'); // three run: the cap holds
      } finally {
        await ws.dispose();
      }
    });

    it('counts an operation the client completed at once until it has ended: subscribe + complete pairs in one packet do not pass the cap', async () => {
      const { visitor, sessionId } = await givenActiveSession(api);
      const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
      const frames: Array<{ id?: string; type: string; payload?: any }> = [];
      socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())));
      const arrived = (id: string) => frames.find((f) => f.id === id && (f.type === 'next' || f.type === 'error'));
      try {
        await new Promise((resolve) => socket.once('open', resolve));
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authToken: visitor.token } }));
        await eventually(() => frames.some((f) => f.type === 'connection_ack'), 'connection_ack');
        // One write: graphql-ws reads these frames one after the other before any of the messages is stored.
        const raw = (socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
        raw.cork();
        for (let i = 0; i < 3; i++) {
          const input = { sessionId, content: `packed ${i}`, clientMessageId: `packed-${i}` };
          socket.send(JSON.stringify({ id: `m${i}`, type: 'subscribe', payload: { query: SEND_MESSAGE, variables: { input } } }));
          socket.send(JSON.stringify({ id: `m${i}`, type: 'complete' })); // the client gives up on it; it still runs
        }
        socket.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } }));
        raw.uncork();
        const answer = await eventually(() => arrived('q'), 'the query answered');
        expect(answer.type === 'error' ? answer.payload[0].extensions.code : answer.payload).toBe('RATE_LIMITED'); // three run: the cap holds
        // Their places are given back once they have ended.
        await eventually(async () => (await gqlOk(api.httpUrl, '{ mySessions { nodes { lastSeq } } }', {}, visitor.token)).mySessions.nodes[0].lastSeq >= 5, 'the three messages stored');
        await new Promise((r) => setTimeout(r, 200));
        socket.send(JSON.stringify({ id: 'q2', type: 'subscribe', payload: { query: '{ __typename }' } }));
        expect((await eventually(() => arrived('q2'), 'the second query answered')).payload).toEqual({ data: { __typename: 'Query' } });
      } finally {
        await new Promise((resolve) => {
          socket.once('close', resolve);
          socket.close();
        });
      }
    });

    it('closes sockets beyond the per-IP cap with 4429', async () => {
      /** A raw graphql-transport-ws socket: resolves 'ack' once admitted, or the close code. */
      const open = (sockets: WebSocket[]) =>
        new Promise<'ack' | number>((resolve) => {
          const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
          sockets.push(socket);
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
          socket.on('message', (data: Buffer) => JSON.parse(data.toString()).type === 'connection_ack' && resolve('ack'));
          socket.on('close', (code: number) => resolve(code));
        });
      const sockets: WebSocket[] = [];
      try {
        for (let i = 0; i < 4; i++) expect(await open(sockets)).toBe('ack');
        expect(await open(sockets)).toBe(4429);
      } finally {
        sockets.forEach((s) => s.close());
      }
      // Closing frees the places.
      await new Promise((r) => setTimeout(r, 200));
      const later = wsClient(api.wsUrl);
      await expect(wsExecute(later, '{ __typename }')).resolves.toMatchObject({ data: { __typename: 'Query' } });
      await later.dispose();
    });
  });

  describe('origins and headers', () => {
    it('refuses a WebSocket from a page origin not in ALLOWED_ORIGINS (4403) and accepts an allowed one', async () => {
      const evil = clientFrom('https://evil.example.net', api.wsUrl);
      await expect(wsExecute(evil, '{ __typename }')).rejects.toMatchObject({ code: 4403 });
      await evil.dispose();
      const shop = clientFrom('https://shop.example.com', api.wsUrl);
      await expect(wsExecute(shop, '{ __typename }')).resolves.toMatchObject({ data: { __typename: 'Query' } });
      await shop.dispose();
    });

    it('answers CORS preflights only for allowed origins', async () => {
      const preflight = (origin: string) =>
        fetch(`${api.httpUrl}/graphql`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        });
      expect((await preflight('https://shop.example.com')).headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect((await preflight('https://evil.example.net')).headers.get('access-control-allow-origin')).toBeNull();
    });

    it('sends security headers on every response, and lets any site load the widget', async () => {
      for (const path of ['/healthz', '/console/', '/nope', '/readyz']) {
        const response = await fetch(`${api.httpUrl}${path}`, { headers: { 'apollo-require-preflight': 'true' } });
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(response.headers.get('strict-transport-security')).toContain('max-age=');
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
      const graphql = await fetch(`${api.httpUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' });
      expect(graphql.headers.get('x-content-type-options')).toBe('nosniff');
      expect(graphql.headers.get('content-security-policy')).toContain("default-src 'self'");
      const widget = await fetch(`${api.httpUrl}/widget.js`);
      expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      for (const response of [widget, await fetch(`${api.httpUrl}/widget/demo/hostile.html`), await fetch(`${api.httpUrl}/healthz`)]) {
        expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
      }
    });

    it('turns introspection off by default in production', async () => {
      const production = await startTestApi({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), PUBLIC_URL: 'https://chat.example.com' });
      try {
        expect(errorCode(await gql(production.httpUrl, '{ __schema { queryType { name } } }'))).toBe('BAD_USER_INPUT');
        expect((await gql(production.httpUrl, '{ __typename }')).errors).toBeUndefined();
      } finally {
        await production.close();
      }
    });
  });

  // Last: it uses up this IP's allowance for creating visitors.
  describe('per-IP limits', () => {
    it('limits creating visitors per IP (5 × the per-minute limit)', async () => {
      const results = [];
      for (let i = 0; i < 21; i++) results.push(await gql(api.httpUrl, 'mutation { createVisitor { token } }'));
      // Earlier tests in this file already created some visitors from this IP.
      expect(results.filter((r) => errorCode(r) === 'RATE_LIMITED').length).toBeGreaterThan(0);
      expect(errorCode(results.at(-1)!)).toBe('RATE_LIMITED');
    });
  });
});
