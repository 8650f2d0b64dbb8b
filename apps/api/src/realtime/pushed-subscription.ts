import type { ExecutionResult } from 'graphql';
import { Context, MessageType } from 'graphql-ws';
import { asError } from '../common/as-error';
import { isPushable, PushableEvents } from '../common/pushable-events';
import { sendFrame, WsTransportExtra } from './graphql-ws-server';

/**
 * graphql-ws' `onOperation` hook for {@link serveGraphqlWs}: a subscription whose stream can push
 * ({@link PushableEvents}) is handed back as a {@link PushedSubscription} sending `next` messages
 * (`{ id, type: 'next', payload }`, graphql-ws' PROTOCOL.md) on the operation's socket with
 * {@link sendFrame}, each result passed through `format` first (as graphql-ws passes results through
 * `onNext`); any other result is left to graphql-ws.
 */
export function pushSubscriptions(format: (result: ExecutionResult) => ExecutionResult) {
  // The last result serialized: subscribers of one document get the same result object for an event
  // (`sameForEverySubscriber`), which is then formatted and serialized once for all of them.
  let lastResult: ExecutionResult | undefined;
  let lastPayload = '';
  const payloadOf = (result: ExecutionResult): string => {
    if (result !== lastResult) {
      lastPayload = JSON.stringify(format(result));
      lastResult = result;
    }
    return lastPayload;
  };
  return (ctx: Context<Record<string, unknown> | undefined, unknown>, id: string, _payload: unknown, _args: unknown, result: unknown) => {
    if (!isPushable<ExecutionResult>(result)) return undefined;
    const socket = (ctx.extra as WsTransportExtra).socket;
    // What JSON.stringify({ id, type: 'next', payload }) writes, around the payload's shared text.
    return new PushedSubscription(result, (next) =>
      sendFrame(socket, `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":${payloadOf(next)}}`),
    );
  };
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
 * pulled stream that fails). Nothing is kept from one event to the next while the socket keeps up.
 *
 * `send` is called with each result in order, synchronously with the event when its selection allows
 * and the socket keeps up. When `send` returns a promise (the socket has fallen behind, see
 * {@link sendFrame}), the results after it wait here, unserialized, until it resolves, as graphql-ws
 * waits for each frame of a pulled stream; `return()` drops them (a client's `complete` stops what was
 * not sent yet), and a write error drops them too (the socket closes, which ends the subscription).
 * A `send` that throws ends the subscription with that error. Nothing is sent after the subscription ended.
 */
export class PushedSubscription implements AsyncIterableIterator<never> {
  private started = false;
  private done = false;
  private settle?: { resolve: (step: IteratorResult<never>) => void; reject: (error: Error) => void };
  /** Results waiting for the socket (only while {@link waitingForSocket}). */
  private readonly waiting: ExecutionResult[] = [];
  private waitingForSocket = false;

  constructor(
    private readonly events: PushableEvents<ExecutionResult>,
    private readonly send: (result: ExecutionResult) => Promise<void> | void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<never>> {
    if (this.started || this.done) return Promise.resolve({ value: undefined, done: true });
    this.started = true;
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.events.pushTo({ next: (result) => this.deliver(result), end: (error) => this.finish(error) });
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

  private deliver(result: ExecutionResult): void {
    if (this.done) return;
    if (this.waitingForSocket) {
      this.waiting.push(result);
      return;
    }
    let written: Promise<void> | void;
    try {
      written = this.send(result);
    } catch (error) {
      this.finish(asError(error)); // first: the stream's end that return() brings must not settle it as done
      void this.events.return();
      return;
    }
    if (!written) return;
    this.waitingForSocket = true;
    written.then(
      () => {
        this.waitingForSocket = false;
        while (!this.waitingForSocket && this.waiting.length > 0) this.deliver(this.waiting.shift() as ExecutionResult);
      },
      () => (this.waiting.length = 0), // the socket is closing: its close ends this subscription
    );
  }

  private finish(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.waiting.length = 0;
    const settle = this.settle;
    this.settle = undefined;
    if (error) settle?.reject(error);
    else settle?.resolve({ value: undefined, done: true });
  }
}
