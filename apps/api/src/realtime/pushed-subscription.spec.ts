import { buildSchema, ExecutionResult, GraphQLError } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { EventSink, PushableEvents } from '../common/pushable-events';
import { GraphqlWsServer, serveGraphqlWs } from './graphql-ws-server';
import { pushSubscriptions } from './pushed-subscription';
import { eventually } from '../../test/support/wait-for';

/** A pushing source the test drives. */
class Source implements PushableEvents<number> {
  sink?: EventSink<number>;
  returned = 0;
  [Symbol.asyncIterator](): this {
    return this;
  }
  next(): Promise<IteratorResult<number>> {
    return Promise.reject(new Error('pulled'));
  }
  return(): Promise<IteratorResult<number>> {
    this.returned++;
    this.sink?.end();
    return Promise.resolve({ value: undefined, done: true });
  }
  pushTo(sink: EventSink<number>): void {
    this.sink = sink;
  }
}

/** Events from this number on are mapped to one result object for every subscriber, as a shared document's are. */
const SHARED_FROM = 100_000;
const sharedResults = new Map<number, ExecutionResult>();
const sharedResult = (n: number): ExecutionResult => sharedResults.get(n) ?? sharedResults.set(n, { data: { counter: n } }).get(n)!;

/** Sent with every result when set, to make frames large. */
let padding = '';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { counter: Int! }');

/** graphql-ws' server, a subscription whose stream pushes, and a real graphql-ws client. */
describe('pushSubscriptions', () => {
  let httpServer: http.Server;
  let served: GraphqlWsServer;
  let client: Client;
  let wsUrl: string;
  let sources: Source[];
  /** Every result handed to `format`, i.e. about to be sent. */
  let formatted: ExecutionResult[];

  beforeEach(async () => {
    padding = '';
    sources = [];
    formatted = [];
    httpServer = http.createServer();
    // A pushed stream yields results already: each event is a result, the way compiled execution maps them.
    // Pulling it fails the operation (the client gets an error).
    const subscribe = () => {
      const source = new Source();
      sources.push(source);
      const results: PushableEvents<ExecutionResult> = {
        [Symbol.asyncIterator]() {
          return this;
        },
        next: () => Promise.reject(new Error('pulled')),
        return: () => source.return().then(() => ({ value: undefined, done: true })),
        pushTo: (sink) =>
          source.pushTo({
            next: (n) => sink.next(n >= SHARED_FROM ? sharedResult(n) : n < 0 ? { data: null, errors: [new GraphQLError('negative')] } : { data: { counter: n }, ...(padding ? { extensions: { padding } } : {}) }),
            end: (error) => sink.end(error),
          }),
      };
      return results;
    };
    const format = (result: ExecutionResult) => {
      if ((result.data as { counter?: number } | null)?.counter === 9999) throw new Error('cannot format 9999');
      return formatFor(result);
    };
    const formatFor = (result: ExecutionResult) =>
      formatted.push(result) && result.errors ? { ...result, errors: result.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'FORMATTED' } })) } : result;
    served = serveGraphqlWs(httpServer, { schema, subscribe, onOperation: pushSubscriptions(format) }, { path: '/graphql', maxPayloadBytes: 64 * 1024 });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
    wsUrl = url;
    client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  });

  afterEach(async () => {
    await client.dispose();
    await served.dispose();
    await new Promise((resolve) => httpServer.close(resolve));
  });

  function subscribe() {
    const received: unknown[] = [];
    let stop: () => void = () => undefined;
    const outcome = new Promise<string>((resolve) => {
      stop = client.subscribe(
        { query: 'subscription { counter }' },
        { next: (result) => received.push(result), error: (error) => resolve(`error: ${JSON.stringify(error)}`), complete: () => resolve('complete') },
      );
    });
    return { received, outcome, stop: () => stop() };
  }

  it('sends each pushed result on the socket in order, formatted, without pulling the stream', async () => {
    const sub = subscribe();
    await eventually(() => sources[0]?.sink !== undefined, 'sources[0]?.sink !== undefined', 3000);
    for (const n of [1, 2, -1, 3]) sources[0].sink?.next(n);
    await eventually(() => sub.received.length === 4, 'sub.received.length === 4', 3000);
    expect(sub.received).toEqual([
      { data: { counter: 1 } },
      { data: { counter: 2 } },
      { data: null, errors: [{ message: 'negative', extensions: { code: 'FORMATTED' } }] },
      { data: { counter: 3 } },
    ]);
    sources[0].sink?.end(); // the stream ends: graphql-ws completes the operation
    expect(await sub.outcome).toBe('complete');
  });

  it('formats and serializes a result shared by several subscriptions once, each frame with its own id', async () => {
    const subs = [subscribe(), subscribe()];
    await eventually(() => sources.length === 2 && sources.every((source) => source.sink), 'both subscriptions', 3000);
    for (const n of [SHARED_FROM, SHARED_FROM + 1]) for (const source of sources) source.sink?.next(n);
    await eventually(() => subs.every((sub) => sub.received.length === 2), 'both results on both', 3000);
    for (const sub of subs) expect(sub.received).toEqual([{ data: { counter: SHARED_FROM } }, { data: { counter: SHARED_FROM + 1 } }]);
    expect(formatted.map((result) => result.data)).toEqual([{ counter: SHARED_FROM }, { counter: SHARED_FROM + 1 }]);
  });

  it('ends the stream when the client completes the subscription, and sends nothing after', async () => {
    const sub = subscribe();
    await eventually(() => sources[0]?.sink !== undefined, 'sources[0]?.sink !== undefined', 3000);
    sources[0].sink?.next(1);
    await eventually(() => sub.received.length === 1, 'sub.received.length === 1', 3000);
    sub.stop();
    await eventually(() => sources[0].returned === 1, 'sources[0].returned === 1', 3000);
    sources[0].sink?.next(2); // a late event from the source
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.received).toEqual([{ data: { counter: 1 } }]);
    expect(formatted).toHaveLength(1); // not even put on the wire
  });

  it("sends a stream's failure as the operation's error message", async () => {
    const sub = subscribe();
    await eventually(() => sources[0]?.sink !== undefined, 'sources[0]?.sink !== undefined', 3000);
    sources[0].sink?.end(new Error('storage failed'));
    expect(await sub.outcome).toMatch(/^error: .*storage failed/);
  });

  it('ends the subscription with the error its send throws, and ends the stream', async () => {
    const sub = subscribe();
    await eventually(() => sources[0]?.sink !== undefined, 'sources[0]?.sink !== undefined', 3000);
    sources[0].sink?.next(12);
    sources[0].sink?.next(9999); // cannot be formatted
    sources[0].sink?.next(14);
    expect(await sub.outcome).toMatch(/^error: .*cannot format 9999/);
    expect(sub.received).toEqual([{ data: { counter: 12 } }]);
    expect(sources[0].returned).toBe(1);
  });

  it('ends every stream of a socket that closes', async () => {
    subscribe();
    subscribe();
    await eventually(() => sources.length === 2 && sources.every((source) => source.sink !== undefined), 'sources.length === 2 && sources.every((source) => source.sink !== undefined)', 3000);
    await client.dispose();
    await eventually(() => sources.every((source) => source.returned === 1), 'sources.every((source) => source.returned === 1)', 3000);
  });

  it('holds results back while the socket falls behind, sends them in order once it drains, and drops them on complete', async () => {
    padding = 'x'.repeat(16 * 1024);
    const raw = new WebSocket(wsUrl, 'graphql-transport-ws');
    const counters: number[] = [];
    raw.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; payload?: { data?: { counter: number } } };
      if (message.type === 'next' && message.payload?.data) counters.push(message.payload.data.counter);
    });
    try {
      await new Promise((resolve) => raw.once('open', resolve));
      const acknowledged = new Promise((resolve) => raw.once('message', resolve)); // connection_ack
      raw.send(JSON.stringify({ type: 'connection_init' }));
      await acknowledged;
      raw.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription { counter }' } }));
      await eventually(() => sources[0]?.sink !== undefined, 'sources[0]?.sink !== undefined', 3000);
      const [server] = served.clients;

      raw.pause(); // the client stops reading
      for (let n = 1; n <= 1000; n++) sources[0].sink?.next(n); // 16 MB
      await new Promise((r) => setTimeout(r, 200));
      expect(server.bufferedAmount).toBeLessThan(256 * 1024); // not 16 MB of frames queued in the server
      expect(formatted.length).toBeLessThan(1000); // the rest wait unserialized
      raw.resume();
      await eventually(() => counters.length === 1000, 'counters.length === 1000', 10_000);
      expect(counters).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

      raw.pause();
      for (let n = 1001; n <= 2000; n++) sources[0].sink?.next(n);
      raw.send(JSON.stringify({ id: 'a', type: 'complete' }));
      await eventually(() => sources[0].returned === 1, 'sources[0].returned === 1', 3000);
      raw.resume();
      await new Promise((r) => setTimeout(r, 300));
      expect(counters.length).toBeLessThan(2000); // what still waited was dropped
      expect(counters).toEqual(Array.from({ length: counters.length }, (_, i) => i + 1)); // in order, no gap
    } finally {
      raw.terminate();
    }
  });
});
