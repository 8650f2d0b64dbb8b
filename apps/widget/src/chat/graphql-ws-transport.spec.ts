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
import { backoffMs, graphqlWsTransport } from './graphql-ws-transport';
import type { ConnectionState, Transport, TypedDocument } from './transport';

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

/** A real graphql-ws server (the same library as the API) accepting only the token "good". */
async function startServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets = new Set<ServerSocket>();
  const server = makeServer<{ authToken?: string }>({ schema, roots: { query: rootValue }, onConnect: (ctx) => ctx.connectionParams?.authToken === 'good' });
  wss.on('connection', (socket, request) => {
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
  const seen = { connected: 0, rejected: 0 };
  transport.listen({ state: (s) => states.push(s), connected: () => seen.connected++, rejected: () => seen.rejected++ });
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
