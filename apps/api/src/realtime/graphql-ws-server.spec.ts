import { Logger } from '@nestjs/common';
import { buildSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { BACKPRESSURE_BYTES, CLOSE_HANDSHAKE_MS, GraphqlWsServer, sendFrame, serveGraphqlWs, WsTransportExtra } from './graphql-ws-server';
import { eventually } from '../../test/support/wait-for';

const schema = buildSchema(`
  type Query { hello(name: String!): String! }
  type Subscription { count(to: Int!): Int! }
`);
const rootValue = {
  hello: ({ name }: { name: string }) => `hello ${name}`,
  count: async function* ({ to }: { to: number }) {
    for (let i = 1; i <= to; i++) yield await Promise.resolve({ count: i });
  },
};

describe('serveGraphqlWs', () => {
  let httpServer: http.Server;
  let served: GraphqlWsServer;
  let url: string;

  async function start(keepAliveMs?: number, connectionInitWaitTimeout?: number): Promise<void> {
    httpServer = http.createServer();
    const options = { schema, roots: { query: rootValue, subscription: rootValue }, connectionInitWaitTimeout };
    served = serveGraphqlWs(httpServer, options, { path: '/graphql', maxPayloadBytes: 64 * 1024, keepAliveMs });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  }

  /** A raw graphql-transport-ws socket, open; `closed` settles with its close code. */
  async function openRaw(address = url): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(address, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    return { socket, closed };
  }

  afterEach(async () => {
    await served.dispose();
    await new Promise((resolve) => httpServer.close(resolve));
  });

  it('runs queries and subscriptions over graphql-transport-ws', async () => {
    await start();
    const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    try {
      const query = await new Promise((resolve, reject) => {
        client.subscribe({ query: '{ hello(name: "widget") }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(query).toEqual({ data: { hello: 'hello widget' } });
      const counts: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe({ query: 'subscription { count(to: 3) }' }, { next: (r) => counts.push(r.data), error: reject, complete: resolve });
      });
      expect(counts).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }]);
    } finally {
      await client.dispose();
    }
  });

  it('answers an upgrade for another path with 404', async () => {
    await start();
    const socket = new WebSocket(url.replace('/graphql', '/elsewhere'), 'graphql-transport-ws');
    const status = await new Promise<number | undefined>((resolve) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.once('open', () => resolve(undefined));
    });
    expect(status).toBe(404);
  });

  it('cuts a socket that does not answer a ping by the next round, and keeps one that does', async () => {
    await start(50);
    const silent = new WebSocket(url, 'graphql-transport-ws', { autoPong: false });
    const answering = new WebSocket(url, 'graphql-transport-ws');
    let silentClosed = false;
    let answeringClosed = false;
    silent.once('close', () => (silentClosed = true));
    answering.once('close', () => (answeringClosed = true));
    await eventually(() => served.clients.size === 2, 'served.clients.size === 2', 3000);
    await eventually(() => silentClosed, 'silentClosed', 2000);
    await new Promise((r) => setTimeout(r, 300)); // six more rounds
    expect(answeringClosed).toBe(false);
    expect(served.clients.size).toBe(1);
    answering.terminate();
  });

  it('spreads a round of pings over the keep-alive period instead of pinging every socket at once', async () => {
    await start(1000); // ten turns of 100 ms
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openRaw()));
    const firstPingAt: number[] = [];
    for (const { socket } of sockets) socket.once('ping', () => firstPingAt.push(Date.now()));
    await eventually(() => firstPingAt.length === sockets.length, 'firstPingAt.length === sockets.length', 3000);
    // Ten sockets that connected together are pinged on ten turns: about 0.9 s from the first to the last.
    expect(Math.max(...firstPingAt) - Math.min(...firstPingAt)).toBeGreaterThanOrEqual(500);
    for (const { socket } of sockets) socket.terminate();
  });

  it('closes a socket that sends no connection_init in time with 4408, and keeps one that does', async () => {
    await start(undefined, 100);
    const silent = new WebSocket(url, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => silent.once('close', resolve));
    const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    try {
      expect(await closed).toBe(4408);
      await new Promise((r) => setTimeout(r, 300));
      const query = await new Promise((resolve, reject) => {
        client.subscribe({ query: '{ hello(name: "still here") }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(query).toEqual({ data: { hello: 'hello still here' } });
    } finally {
      await client.dispose();
    }
  });

  it('does not count a ping before connection_init as the init (4408 all the same)', async () => {
    await start(undefined, 100);
    const { socket, closed } = await openRaw();
    socket.send(JSON.stringify({ type: 'ping' }));
    expect(await closed).toBe(4408);
  });

  it.each([
    ['connection_ack', {}],
    ['next', { id: '1', payload: { data: null } }],
    ['error', { id: '1', payload: [{ message: 'x' }] }],
  ])('closes a client that sends %s, a server-only message, with 4400 and logs no warning', async (type, fields) => {
    await start();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const { socket, closed } = await openRaw();
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await new Promise((resolve) => socket.once('message', resolve)); // connection_ack
      socket.send(JSON.stringify({ type, ...fields }));
      expect(await closed).toBe(4400);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['text that is not JSON', '{"type": "connection_init"'],
    ['JSON that is not a message', '{"type": "connection_init", "payload": 5}'],
    ['a message encoded twice, as a JSON string', JSON.stringify(JSON.stringify({ type: 'connection_init' }))],
  ])('closes a socket that sends %s with 4400', async (_what, frame) => {
    await start();
    const { socket, closed } = await openRaw();
    socket.send(frame);
    expect(await closed).toBe(4400);
  });

  it('still closes with 4500 and one warning when a hook fails', async () => {
    httpServer = http.createServer();
    const onConnect = () => Promise.reject(new Error('database unreachable'));
    served = serveGraphqlWs(httpServer, { schema, onConnect }, { path: '/graphql', maxPayloadBytes: 64 * 1024 });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const { socket, closed } = await openRaw(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`);
      socket.send(JSON.stringify({ type: 'connection_init' }));
      expect(await closed).toBe(4500);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith('WebSocket closed after an error: database unreachable');
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['a frame larger than maxPayloadBytes', 1009, JSON.stringify({ type: 'connection_init', payload: { filler: 'x'.repeat(64 * 1024) } })],
    ['a text frame that is not UTF-8', 1007, Buffer.from([0xff, 0xfe, 0x7b])],
  ])('closes a socket that sends %s with %i and logs no warning', async (_what, code, frame) => {
    await start();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const { socket, closed } = await openRaw();
      socket.send(frame, { binary: false });
      expect(await closed).toBe(code);
      await new Promise((resolve) => setTimeout(resolve, 50)); // room for a late log line
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('cuts a peer that does not answer the close frame, so disposing does not wait for it', async () => {
    await start();
    // A raw peer: completes the upgrade (RFC 6455 §4.1), then reads but never answers anything.
    const { port } = httpServer.address() as AddressInfo;
    const peer = net.connect(port, '127.0.0.1');
    peer.write(
      'GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
    peer.resume();
    const ended = new Promise((resolve) => peer.once('close', resolve));
    await eventually(() => served.clients.size === 1, 'served.clients.size === 1', 3000);
    const started = Date.now();
    await served.dispose();
    expect(Date.now() - started).toBeLessThan(CLOSE_HANDSHAKE_MS + 1000); // ws alone would wait 30 s
    await ended;
    served = { clients: new Set(), dispose: () => Promise.resolve() };
  });

  describe("a socket's operations (WsTransportExtra.operations, what WsGuardrails counts against its cap)", () => {
    /** Serves (with `onSubscribe` when given), keeping each socket's `extra`; a raw socket, acknowledged, with the frames it got. */
    async function serveAndOpen(onSubscribe?: () => Promise<undefined>) {
      httpServer = http.createServer();
      const extras: WsTransportExtra[] = [];
      const onConnect = (ctx: { extra: WsTransportExtra }) => void extras.push(ctx.extra);
      served = serveGraphqlWs(httpServer, { schema, roots: { query: rootValue }, onConnect, onSubscribe }, { path: '/graphql', maxPayloadBytes: 64 * 1024 });
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
      const { socket } = await openRaw(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`);
      const frames: Array<{ id?: string; type: string }> = [];
      socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as { id?: string; type: string }));
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await eventually(() => frames.some((f) => f.type === 'connection_ack'), 'connection_ack', 3000);
      return { socket, frames, extra: extras[0] };
    }

    it('still counts an operation the client completed while graphql-ws runs it, until it has ended', async () => {
      let calls = 0;
      let release!: () => void;
      const held = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
      // Like a mutation waiting for its turn (ArrivalOrder): onSubscribe answers later, and the operation runs then.
      const { socket, frames, extra } = await serveAndOpen(() => {
        calls++;
        return held;
      });
      socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: '{ hello(name: "a") }' } }));
      socket.send(JSON.stringify({ id: 'a', type: 'complete' }));
      await eventually(() => calls === 1 && extra.completing?.has('a'), 'the client completed a while it waited', 3000);
      expect([...(extra.operations ?? [])]).toEqual(['a']); // graphql-ws will still run it: it takes a place
      release();
      await eventually(() => extra.operations?.size === 0 && extra.completing === undefined, 'a ended', 3000);
      expect(frames.filter((f) => f.id === 'a')).toEqual([]); // completed by the client: nothing sent for it
    });

    it('forgets an operation graphql-ws answers with errors itself (no onSubscribe: validation)', async () => {
      const { socket, frames, extra } = await serveAndOpen();
      socket.send(JSON.stringify({ id: 'bad', type: 'subscribe', payload: { query: '{ nope }' } }));
      await eventually(() => frames.some((f) => f.id === 'bad' && f.type === 'error'), 'the error', 3000);
      await eventually(() => extra.operations?.size === 0, 'no place kept for bad', 3000);
      socket.send(JSON.stringify({ id: 'good', type: 'subscribe', payload: { query: '{ hello(name: "b") }' } }));
      await eventually(() => frames.some((f) => f.id === 'good' && f.type === 'complete'), 'good answered', 3000);
      expect(extra.operations?.size).toBe(0);
    });
  });

  it('closes every socket with 1001 Going Away when disposed', async () => {
    await start();
    const socket = new WebSocket(url, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await served.dispose();
    expect(await closed).toBe(1001);
    served = { clients: new Set(), dispose: () => Promise.resolve() };
  });
});

describe('sendFrame', () => {
  let wss: WebSocketServer;
  let client: WebSocket;
  let serverSide: WebSocket;
  const received: string[] = [];

  beforeEach(async () => {
    received.length = 0;
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    client.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    serverSide = await accepted;
    await new Promise((resolve) => (client.readyState === WebSocket.OPEN ? resolve(null) : client.once('open', resolve)));
  });

  afterEach(async () => {
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  it('counts a frame as sent at once while little is waiting, so frames of one tick leave together', async () => {
    expect(sendFrame(serverSide, 'next')).toBeUndefined();
    expect(sendFrame(serverSide, 'complete')).toBeUndefined();
    await eventually(() => received.length === 2, 'received.length === 2', 3000);
    expect(received).toEqual(['next', 'complete']);
  });

  it('waits for the write once a slow reader has 64 KB or more waiting', async () => {
    client.pause(); // the reader stops reading
    const chunk = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 200 && serverSide.bufferedAmount < BACKPRESSURE_BYTES; i++) {
      serverSide.send(chunk);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(serverSide.bufferedAmount).toBeGreaterThanOrEqual(BACKPRESSURE_BYTES);
    const sent = sendFrame(serverSide, 'late');
    expect(sent).toBeInstanceOf(Promise);
    let written = false;
    void (sent as Promise<void>).then(() => (written = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(written).toBe(false);
    client.resume();
    await eventually(() => written, 'written', 5000);
  });

  it('sends nothing on a socket that is no longer open', async () => {
    serverSide.close();
    expect(sendFrame(serverSide, 'after close')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([]);
  });
});
