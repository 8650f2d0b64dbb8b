import type { ExecutionResult } from 'graphql';
import { Context, MessageType } from 'graphql-ws';
import { WebSocket } from 'ws';
import { asError, isPushable, PushableEvents } from '../common/pushable-events';
import type { WsTransportExtra } from './graphql-ws-server';

/**
 * graphql-ws' `onOperation` hook for {@link serveGraphqlWs}: a subscription whose stream can push
 * ({@link PushableEvents}) is handed back as a {@link PushedSubscription} sending on the operation's
 * socket, each result passed through `format` first (as graphql-ws passes results through `onNext`);
 * any other result is left to graphql-ws.
 */
export function pushSubscriptions(format: (result: ExecutionResult) => ExecutionResult) {
  return (ctx: Context<Record<string, unknown> | undefined, unknown>, id: string, _payload: unknown, _args: unknown, result: unknown) => {
    if (!isPushable<ExecutionResult>(result)) return undefined;
    const socket = (ctx.extra as WsTransportExtra).socket;
    return new PushedSubscription(result, (next) => sendNext(socket, id, format(next)));
  };
}

/**
 * Sends one `next` message (`{ id, type: 'next', payload }`, graphql-ws' PROTOCOL.md) outside graphql-ws.
 * Nothing is sent on a socket that is not open. ws queues what the kernel does not take at once: a
 * reader that falls behind costs that queue, as it cost the stream's own queue when graphql-ws waited
 * for each frame. A write error closes the socket, which ends its subscriptions.
 */
function sendNext(socket: WebSocket, id: string, payload: ExecutionResult): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: MessageType.Next, payload }));
}

/**
 * A subscription whose results are sent as they come, handed to graphql-ws in place of the stream it
 * would pull (its `onOperation` hook may replace an operation's result).
 *
 * graphql-ws runs every subscription as a `for await` over its stream, sending each result before it
 * asks for the next one: between two events each subscriber holds a suspended loop, a pending `next()`
 * and the promises under it, and each event allocates them anew. Held for seconds, they outlive the
 * garbage collector's young generation, and promoting them was most of what the API's collections cost
 * (bench/NOTES.md §24–25). Here graphql-ws' loop asks once, on its first `next()`: that call starts
 * pushing the stream's results to `send`, and its promise settles only when the subscription ends (done
 * when the stream ends or `return()` is called, i.e. the client completed it or the socket closed;
 * rejected with the stream's failure, which graphql-ws then sends as an `error` message, as it does for a
 * pulled stream that fails). Nothing is kept from one event to the next.
 *
 * `send` is called with each result in order, synchronously with the event when its selection allows;
 * it must not throw. Nothing is sent after the subscription ended.
 */
export class PushedSubscription implements AsyncIterableIterator<never> {
  private started = false;
  private done = false;
  private settle?: { resolve: (step: IteratorResult<never>) => void; reject: (error: Error) => void };

  constructor(
    private readonly events: PushableEvents<ExecutionResult>,
    private readonly send: (result: ExecutionResult) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<never>> {
    if (this.started || this.done) return Promise.resolve({ value: undefined, done: true });
    this.started = true;
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.events.pushTo({
        next: (result) => {
          if (!this.done) this.send(result);
        },
        end: (error) => this.finish(error),
      });
    });
  }

  return(): Promise<IteratorResult<never>> {
    if (!this.done) void this.events.return();
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<never>> {
    return this.return().then(() => Promise.reject(asError(error)));
  }

  private finish(error?: Error): void {
    if (this.done) return;
    this.done = true;
    const settle = this.settle;
    this.settle = undefined;
    if (error) settle?.reject(error);
    else settle?.resolve({ value: undefined, done: true });
  }
}
