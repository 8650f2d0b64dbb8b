import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { CloseCode, Context, handleProtocols, makeServer, MessageType, ServerOptions } from 'graphql-ws';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Turns } from '../common/turns';

/** While a socket has less than this many bytes waiting to be written, a send counts as done at once. */
export const BACKPRESSURE_BYTES = 64 * 1024;

/** graphql-ws' own default: every socket is pinged this often (ms) and cut if the previous ping got no pong. */
export const KEEP_ALIVE_MS = 12_000;

/** graphql-ws' own default for `connectionInitWaitTimeout` (ms): a socket must send `connection_init` by then. */
export const CONNECTION_INIT_WAIT_MS = 3_000;

/**
 * How often (ms, at most) the server's one timer looks at its sockets. Each tick pings only the share of
 * sockets whose turn it is, so a round's pings leave spread over `keepAliveMs` (see {@link serveGraphqlWs}).
 */
const TICK_MS = 100;

/** How long (ms) a peer gets to answer a close frame before its connection is cut (ws alone waits 30 s). */
export const CLOSE_HANDSHAKE_MS = 2_000;

/**
 * Close code for every WebSocket when an instance shuts down: 1001 "Going Away" (RFC 6455 §7.4.1: "an
 * endpoint is going away, such as a server going down"). Every WebSocket client knows it, graphql-ws
 * clients (the widget, the console) treat it as retryable and reconnect, and it is the code graphql-ws's
 * own server uses when it is disposed. 1012 "Service Restart" says the same more precisely, but it is
 * only in IANA's registry, not in RFC 6455, and some proxies and clients treat it as an unknown code.
 */
export const SHUTDOWN_CLOSE_CODE = 1001;

/** What hooks find in graphql-ws' `ctx.extra` on this server. */
export interface WsTransportExtra {
  socket: WebSocket;
  /** The HTTP upgrade request; hooks may drop it once they have read what they need (see `WsGuardrails.admit`). */
  request?: IncomingMessage;
  /** graphql-ws' context of this socket, once `connection_init` has arrived. */
  context?: Context<Record<string, unknown> | undefined, WsTransportExtra>;
  /**
   * Ids the client completed while graphql-ws was still running their operation (setting it up, or
   * finishing it), until graphql-ws has finished with them; absent when there are none.
   */
  completing?: Set<string>;
  /**
   * Ids of this socket's operations, as graphql-ws' `ctx.subscriptions` holds them but kept apart so that
   * counting them is `size` (an operator runs dozens; counting the keys of graphql-ws' dictionary for every
   * operation was 1 % of the API's busy time, bench/NOTES.md §41): an id counts from the moment graphql-ws
   * reserved it (before `onSubscribe`, so the operation being subscribed counts itself) until graphql-ws has
   * finished its operation (`onComplete`; `onError` when graphql-ws refused it itself), `onSubscribe` refused
   * it, or the client completed a subscription whose stream was running (graphql-ws ends it then). An
   * operation the client completed before that (a mutation waiting for its turn or executing, a subscription
   * being set up) still counts until it has ended: graphql-ws forgets its id at once but runs it to its end, so
   * packing `subscribe` + `complete` pairs would otherwise run any number at once. Made with the socket's first
   * operation.
   */
  operations?: Set<string>;
}

/** A running {@link serveGraphqlWs}. */
export interface GraphqlWsServer {
  /** Sockets open now (for tests and diagnostics). */
  readonly clients: ReadonlySet<WebSocket>;
  /** Closes every socket with {@link SHUTDOWN_CLOSE_CODE} and stops serving; resolves when the server is closed. */
  dispose(): Promise<void>;
}

const logger = new Logger('WebSocket');

/**
 * Serves the GraphQL over WebSocket protocol (`graphql-transport-ws`, graphql-ws' `makeServer`) on
 * `path` of `httpServer`, with the `ws` library. It does what graphql-ws' own `useServer` does, with
 * less kept per socket, since an idle widget's socket is most of what an instance holds (bench (c)):
 *
 * - A frame sent while less than {@link BACKPRESSURE_BYTES} wait to be written counts as sent at once
 *   (`send` returns nothing), so a mutation's `next` and `complete` and the sender's own event leave in
 *   one system call (with `coalesceWrites`); a reader that falls behind gets a promise that resolves
 *   when its frame is written, which holds its operations back. A write error closes the socket, and
 *   graphql-ws ends every operation of a closed socket.
 * - One timer for all sockets instead of three per socket: it pings every socket every `keepAliveMs`
 *   (default {@link KEEP_ALIVE_MS}) and cuts (`terminate`) a socket that did not answer the previous
 *   ping, and closes a socket whose `connection_init` has not arrived within
 *   `options.connectionInitWaitTimeout` (default {@link CONNECTION_INIT_WAIT_MS}) with 4408
 *   (`CloseCode.ConnectionInitialisationTimeout`), as graphql-ws would, up to 0.1 s late (a `ping`
 *   or `pong` before it does not count). The pings of a round are spread over it: sockets take turns
 *   by the order they connected, one share per tick, as graphql-ws' timer per socket spreads them. Pinging
 *   every socket at once made one burst of a system call per socket, and then of pongs (a 43 ms loop
 *   iteration at 2,000 sockets; bench/NOTES.md §20).
 * - Neither the incoming frame's buffer nor its text is held for the life of a subscription.
 *
 * A frame larger than `maxPayloadBytes` closes the socket with 1009 (Message Too Big, RFC 6455 §7.4.1), a
 * text frame that is not UTF-8 with 1007; neither is logged (a client's mistake).
 * An upgrade request for another path is answered `404 Not Found`. Errors on a socket are logged in one
 * line and the socket is closed (graphql-ws' own codes, 4500 for an error it does not know); a client
 * sending a message only a server may send is closed with 4400 Bad Request, not logged.
 */
export function serveGraphqlWs<P extends Record<string, unknown> | undefined>(
  httpServer: HttpServer,
  options: ServerOptions<P, WsTransportExtra>,
  { path, maxPayloadBytes, keepAliveMs = KEEP_ALIVE_MS }: { path: string; maxPayloadBytes: number; keepAliveMs?: number },
): GraphqlWsServer {
  const initWaitMs = options.connectionInitWaitTimeout ?? CONNECTION_INIT_WAIT_MS;
  const server = makeServer<P, WsTransportExtra>({
    ...options,
    connectionInitWaitTimeout: 0, // timed below
    onConnect: (ctx) => {
      awaitingInit.delete(ctx.extra.socket); // connection_init has arrived
      ctx.extra.context = ctx;
      return options.onConnect?.(ctx);
    },
    onSubscribe: (ctx, id, payload) => {
      // graphql-ws keys an operation's state by its id alone: an id completed and subscribed again while
      // its first operation is still running would run both under one id, the first never ended (its
      // Redis subscription held until the process exits) or the second silently dead. Such an id still
      // exists, so the socket is closed as graphql-ws closes any duplicate id (4409, PROTOCOL.md).
      if (ctx.extra.completing?.has(id)) {
        ctx.extra.socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
        return [new GraphQLError(`Subscriber for ${id} already exists`)];
      }
      (ctx.extra.operations ??= new Set()).add(id);
      const result = options.onSubscribe?.(ctx, id, payload);
      if (result instanceof Promise) return result.then((value) => refusedEnds(ctx.extra, id, value));
      return refusedEnds(ctx.extra, id, result);
    },
    onComplete: (ctx, id, payload) => {
      // graphql-ws calls onComplete for every operation onSubscribe let run, however it ended (answered,
      // completed by the client, failed: onError comes first, its socket closed); a hook that throws closes the socket.
      ctx.extra.operations?.delete(id);
      finished(ctx.extra, id);
      return options.onComplete?.(ctx, id, payload);
    },
    onError: (ctx, id, payload, errors) => {
      // Without onComplete after it when graphql-ws refused the operation itself (validation, no operation).
      ctx.extra.operations?.delete(id);
      finished(ctx.extra, id);
      return options.onError?.(ctx, id, payload, errors);
    },
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols, maxPayload: maxPayloadBytes });
  const awaitingPong = new Set<WebSocket>();
  const tickMs = Math.min(TICK_MS, keepAliveMs, initWaitMs > 0 ? initWaitMs : TICK_MS);
  /** Sockets by their turn in a keep-alive round: one turn per tick, a round lasting about `keepAliveMs`. */
  const turns = new Turns<WebSocket>(Math.round(keepAliveMs / tickMs));
  /** Sockets whose `connection_init` has not arrived yet, with the time (ms since the epoch) it must by. */
  const awaitingInit = new Map<WebSocket, number>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? '';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  httpServer.on('upgrade', onUpgrade);

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const extra: WsTransportExtra = { socket, request };
    socket.on('error', onSocketError);
    socket.on('pong', onPong);
    turns.add(socket);
    if (initWaitMs > 0 && Number.isFinite(initWaitMs)) awaitingInit.set(socket, Date.now() + initWaitMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => sendFrame(socket, data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          // With ws' default binaryType ('nodebuffer') a message is one Buffer.
          socket.on('message', (data: Buffer) => {
            // Once the server has begun closing the socket (4409 and the like), what the client still sends
            // is not run: an operation accepted then would outlive the socket's own operations' end.
            if (socket.readyState !== WebSocket.OPEN) return;
            let message: unknown;
            try {
              message = JSON.parse(data.toString('utf8'));
            } catch {
              message = undefined;
            }
            // A message is a JSON object (a JSON string would be parsed twice by graphql-ws).
            if (typeof message !== 'object' || message === null) {
              socket.close(CloseCode.BadRequest, 'Invalid message received'); // as graphql-ws answers it
              return;
            }
            const { type, id } = message as { type?: unknown; id?: unknown };
            if (type === MessageType.Complete && typeof id === 'string' && extra.context && id in extra.context.subscriptions) {
              (extra.completing ??= new Set()).add(id); // graphql-ws forgets the id now, its operation ends later
              // A running subscription's stream is ended now (graphql-ws returns it): its place is free at once. An
              // operation still set up or executed (`null` there: a mutation waiting for its turn, a query) runs on
              // to its end whatever the client says, and counts until then (onComplete).
              if (extra.context.subscriptions[id] !== null) extra.operations?.delete(id);
            }
            // graphql-ws' handler keeps its argument for as long as a subscription runs: handing it the
            // parsed message (its parseMessage takes one as well as text) rather than the frame's text
            // keeps no copy of the text per subscribed socket (bench (c)).
            handle(message as unknown as string).catch((error: unknown) => failSocket(socket, error));
          }),
      },
      extra,
    );
    socket.once('close', (code: number, reason: Buffer) => {
      awaitingPong.delete(socket);
      awaitingInit.delete(socket);
      turns.remove(socket);
      closed(code, String(reason)).catch((error: unknown) => logger.warn(`Closing a socket failed: ${describe(error)}`));
    });
  });

  const tick = setInterval(() => {
    const now = Date.now();
    for (const [socket, deadline] of awaitingInit) {
      if (deadline > now) continue;
      awaitingInit.delete(socket);
      socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }
    for (const socket of turns.next().items) {
      if (awaitingPong.has(socket)) {
        socket.terminate(); // no pong since its previous turn: the peer is gone
      } else if (socket.readyState === WebSocket.OPEN) {
        awaitingPong.add(socket);
        socket.ping();
      }
    }
  }, tickMs);
  tick.unref();

  function onPong(this: WebSocket): void {
    awaitingPong.delete(this);
  }

  return {
    clients: wss.clients,
    dispose: async () => {
      clearInterval(tick);
      httpServer.off('upgrade', onUpgrade);
      for (const socket of wss.clients) socket.close(SHUTDOWN_CLOSE_CODE, 'Going away');
      // A peer that does not answer the close frame is cut; the server is closed once every socket is.
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, CLOSE_HANDSHAKE_MS);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(cut);
    },
  };
}

/**
 * Sends one frame for graphql-ws. Returns nothing when the frame counts as sent at once (under
 * {@link BACKPRESSURE_BYTES} waiting), else a promise that resolves once it is written (rejects on a write
 * error). Nothing is sent on a socket that is not open. A write error destroys the socket (ws), which
 * closes it, and graphql-ws ends every operation of a closed socket.
 */
export function sendFrame(socket: WebSocket, data: string): Promise<void> | void {
  if (socket.readyState !== WebSocket.OPEN) return;
  if (socket.bufferedAmount < BACKPRESSURE_BYTES) return void socket.send(data);
  return new Promise((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve())));
}

/**
 * `onSubscribe`'s answer, as it is. An operation it refuses (errors) never runs: it no longer counts among
 * the socket's operations, and graphql-ws calls no hook for it when the client completes it meanwhile (in
 * the same packet, whose messages are handled before graphql-ws reads the answer): its id is finished once
 * those messages have been handled.
 */
function refusedEnds<T>(extra: WsTransportExtra, id: string, answer: T): T {
  if (Array.isArray(answer)) {
    extra.operations?.delete(id);
    queueMicrotask(() => finished(extra, id));
  }
  return answer;
}

/** graphql-ws has finished the operation `id` (its `onComplete` or `onError`): the id may be used again. */
function finished(extra: WsTransportExtra, id: string): void {
  if (!extra.completing?.delete(id)) return;
  if (extra.completing.size === 0) extra.completing = undefined;
}

function onSocketError(this: WebSocket, error: Error & { code?: string }): void {
  // A frame the client got wrong (over maxPayload, invalid UTF-8, a bad opcode): ws has already closed the
  // socket with RFC 6455's code for it (1009, 1007, 1002). The client's mistake: nothing to log.
  if (error.code?.startsWith('WS_ERR_')) return;
  failSocket(this, error);
}

/**
 * graphql-ws' words for a well-formed message that only a server may send (`connection_ack`, `next`,
 * `error`) arriving from a client; it throws them as a plain `Error`.
 */
const UNEXPECTED_MESSAGE = /^Unexpected message of type \w+ received$/;

function failSocket(socket: WebSocket, error: unknown): void {
  const message = describe(error);
  if (UNEXPECTED_MESSAGE.test(message)) {
    // The client broke the protocol, the server did not fail: 4400 Bad Request, as graphql-ws' protocol
    // closes on any message it does not expect (PROTOCOL.md), and no warning in the server's log.
    socket.close(CloseCode.BadRequest, message);
    return;
  }
  logger.warn(`WebSocket closed after an error: ${message}`);
  if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
