/**
 * The transport against a real graphql-ws server in this process (the browser side runs in jsdom, whose
 * WebSocket is a real one); `ws` and the server need Node's export conditions.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { buildSchema, GraphQLError } from 'graphql';
import { CloseCode, makeServer } from 'graphql-ws';
import { type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { ORIGIN_REFUSED_REASON } from '@parley/shared';
import { backoffMs, graphqlWsTransport } from './graphql-ws-transport';
import { type ConnectionState, ORIGIN_REFUSED, type Transport, type TypedDocument } from './transport';

const schema = buildSchema('type Query { hello: String! failing: String limited: String slow: String }');
const rootValue = {
  hello: () => 'world',
  failing: () => {
    throw new GraphQLError('Closed', { extensions: { code: 'SESSION_CLOSED' } });
  },
  slow: () => new Promise((resolve) => setTimeout(() => resolve('late'), 200)),
  limited: () => {
    throw new GraphQLError('Too many requests', { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7 } });
  },
};
const HELLO = '{ hello }' as TypedDocument<{ hello: string }, Record<string, never>>;
const FAILING = '{ failing }' as TypedDocument<{ failing: string }, Record<string, never>>;
const LIMITED = '{ limited }' as TypedDocument<{ limited: string }, Record<string, never>>;
const SLOW = '{ slow }' as TypedDocument<{ slow: string }, Record<string, never>>;

/**
 * A real graphql-ws server (the same library as the API) accepting only the token "good"; with `refuseOrigin`,
 * refusing every socket as the API refuses a page origin not in ALLOWED_ORIGINS (WsGuardrails.admit).
 */
async function startServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets = new Set<ServerSocket>();
  const options = { refuseOrigin: false, connections: 0 };
  const server = makeServer<{ authToken?: string }, { socket: ServerSocket; request: unknown }>({
    schema,
    roots: { query: rootValue },
    onConnect: (ctx) => {
      if (options.refuseOrigin) {
        ctx.extra.socket.close(CloseCode.Forbidden, ORIGIN_REFUSED_REASON);
        return false;
      }
      return ctx.connectionParams?.authToken === 'good';
    },
  });
  wss.on('connection', (socket, request) => {
    options.connections++;
    sockets.add(socket);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => new Promise<void>((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve()))),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) => socket.on('message', (data: Buffer) => void cb(data.toString('utf8'))),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      sockets.delete(socket);
      void closed(code, reason.toString());
    });
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  return {
    url,
    options,
    /** Drops every connection abnormally (like a lost network). */
    dropAll: () => sockets.forEach((s) => s.terminate()),
    close: () => {
      sockets.forEach((s) => s.terminate());
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function watch(transport: Transport) {
  const states: ConnectionState[] = [];
  const seen = { connected: 0, rejected: 0, originRefused: 0 };
  transport.listen({ state: (s) => states.push(s), connected: () => seen.connected++, rejected: () => seen.rejected++, originRefused: () => seen.originRefused++ });
  return { states, seen };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

let server: Awaited<ReturnType<typeof startServer>>;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

describe('graphqlWsTransport (against a real graphql-ws server)', () => {
  it('runs operations over the socket and maps GraphQL errors to their extensions.code (and a rate limit\'s retryAfterSeconds)', async () => {
    const transport = graphqlWsTransport(server.url, 'good');
    const { seen } = watch(transport);
    await expect(transport.request(HELLO, {}).result).resolves.toEqual({ hello: 'world' });
    await expect(transport.request(FAILING, {}).result).rejects.toMatchObject({ name: 'OperationError', code: 'SESSION_CLOSED', message: 'Closed' });
    await expect(transport.request(LIMITED, {}).result).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 7000 });
    expect(seen.connected).toBe(1);
    transport.dispose();
  });

  it('never settles a request once cancelled, though graphql-ws completes it', async () => {
    const transport = graphqlWsTransport(server.url, 'good');
    await transport.request(HELLO, {}).result; // connected
    const slow = transport.request(SLOW, {});
    let settled = 'no';
    slow.result.then(
      () => (settled = 'resolved'),
      (error: Error) => (settled = `rejected: ${error.message}`),
    );
    await new Promise((r) => setTimeout(r, 20)); // the request is on its way
    slow.cancel();
    await new Promise((r) => setTimeout(r, 400)); // past the answer it would have had
    expect(settled).toBe('no');
    await expect(transport.request(HELLO, {}).result).resolves.toEqual({ hello: 'world' });
    transport.dispose();
  });

  it('reports a refused token (close code 4403) as rejected', async () => {
    const transport = graphqlWsTransport(server.url, 'expired');
    const { seen, states } = watch(transport);
    await until(() => seen.rejected > 0, 'the rejection');
    expect(states).toContain('offline');
    expect(seen.connected).toBe(0);
    expect(CloseCode.Forbidden).toBe(4403);
    transport.dispose();
  });

  it('reports a socket refused for the page origin (4403, ORIGIN_REFUSED_REASON) as originRefused, not rejected, and never connects again', async () => {
    server.options.refuseOrigin = true;
    const transport = graphqlWsTransport(server.url, 'good');
    const { seen } = watch(transport);
    await until(() => seen.originRefused > 0, 'the refusal');
    await new Promise((r) => setTimeout(r, 1500)); // past two reconnect backoffs (0.25–0.75 s, then 0.5–1.5 s)
    expect({ ...seen, connections: server.options.connections }).toEqual({ connected: 0, rejected: 0, originRefused: 1, connections: 1 });
    transport.dispose();
  });

  it('fails a request on a socket refused for the page origin with ORIGIN_REFUSED (no token: createVisitor), once', async () => {
    server.options.refuseOrigin = true;
    const transport = graphqlWsTransport(server.url, undefined);
    await expect(transport.request(HELLO, {}).result).rejects.toMatchObject({ code: ORIGIN_REFUSED });
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.options.connections).toBe(1);
    transport.dispose();
  });

  it('reconnects by itself after the connection drops, and a request cut off is sent again', async () => {
    const transport = graphqlWsTransport(server.url, 'good');
    const { seen, states } = watch(transport);
    await until(() => seen.connected === 1, 'the first connection');
    server.dropAll();
    await until(() => states.includes('offline'), 'the drop to be noticed');
    const answer = transport.request(HELLO, {}).result; // while reconnecting
    await until(() => seen.connected === 2, 'the reconnection');
    await expect(answer).resolves.toEqual({ hello: 'world' });
    expect(states).toEqual(['online', 'offline', 'online']);
    transport.dispose();
  });

  it('reconnects at once when the browser says it is back online', async () => {
    const transport = graphqlWsTransport(server.url, 'good');
    const { seen } = watch(transport);
    await until(() => seen.connected === 1, 'the first connection');
    jest.spyOn(Math, 'random').mockReturnValue(1); // the longest first backoff: 750 ms…
    try {
      server.dropAll();
      await new Promise((r) => setTimeout(r, 50));
      const woken = Date.now();
      window.dispatchEvent(new Event('online')); // …cut short
      await until(() => seen.connected === 2, 'the reconnection after "online"');
      expect(Date.now() - woken).toBeLessThan(400);
    } finally {
      jest.spyOn(Math, 'random').mockRestore();
      transport.dispose();
    }
  });
});

describe('backoffMs', () => {
  it('doubles from 0.5 s up to 15 s, with jitter of ±50 %', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
    expect(backoffMs(0, () => 0)).toBe(250);
    expect(backoffMs(10, () => 0.999)).toBeLessThanOrEqual(22500);
  });
});
