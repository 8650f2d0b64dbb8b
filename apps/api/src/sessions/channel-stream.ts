import { RedisPubSub } from 'graphql-redis-subscriptions';
import { asError } from '../common/as-error';
import { EventSink, PushableEvents } from '../common/pushable-events';
import type { SubscriptionMetrics } from '../metrics/metrics.service';
import type { SubscribeOptions } from '../realtime/local-first-pubsub';
import { REDIS_COMMAND_TIMEOUT_MS } from '../realtime/redis.providers';

/** What a {@link ChannelStream} needs from the rest of the API. */
export interface ChannelSource {
  /** The API's is a `LocalFirstPubSub`, which honours the deadline {@link ChannelStream.open} gives the `SUBSCRIBE`. */
  pubSub: RedisPubSub;
  /** The Redis channel (see `Topics`). */
  topic: string;
  /**
   * Registers `listener` to be called whenever the Redis subscription is active again after Redis was
   * lost (see `PubSubReconnects`); returns a function that unregisters it. Without it, the stream does not
   * catch up on what was published while Redis was away.
   */
  onResubscribed?(listener: () => void): () => void;
  /** Told once when the stream opens and once when it ends, however it ends (`/metrics`). */
  metrics?: SubscriptionMetrics;
}

/**
 * A subscription's event stream over one Redis channel, with a start that reads what came before the
 * channel (a replay, a current state) and a catch-up after Redis comes back. The base of
 * `SessionEventStream` and `QueueSnapshotStream`:
 *
 * 1. {@link open} subscribes to the channel first; events arriving from then on go to {@link onEvent}.
 *    A `SUBSCRIBE` Redis has not confirmed within {@link REDIS_COMMAND_TIMEOUT_MS} (2000 ms: a Redis that
 *    hangs) fails the stream with `SERVICE_UNAVAILABLE` (retryable), as a Redis that refuses connections does,
 *    so the client retries instead of waiting in silence for its history; the subscription, should Redis
 *    confirm it later, is released by the pub/sub (`LocalFirstPubSub.subscribe`).
 * 2. then runs the subclass's `begin` task, which may {@link deliver} events before any live one;
 * 3. after every resubscription (Redis lost and back) runs its `catchUp` task.
 *
 * Tasks run one after the other ({@link enqueue}); a live event that arrives while one is running or
 * queued ({@link busy}) must wait its turn behind them (the subclass enqueues it), so nothing is
 * delivered out of order. A task that throws fails the stream: the subscriber gets the error, and the
 * Redis subscription is released.
 *
 * A hand-written iterator rather than an async generator, so `return()` (client unsubscribes) ends a
 * pending `next()` at once and releases the Redis subscription. It can also push its events
 * ({@link PushableEvents}), which the WebSocket transport uses: each live event is then handed to the
 * socket in the publisher's tick, and nothing waits between events.
 */
export abstract class ChannelStream<T> implements PushableEvents<T> {
  private readonly outbox: T[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }> = [];
  /** Set by {@link pushTo}: events go there instead of to `outbox` and `waiters`. */
  private sink?: EventSink<T>;
  /** The queued tasks, one after the other; dropped when none is left (an idle stream holds no promise). */
  private chain?: Promise<void>;
  /** Tasks enqueued and not finished: while there are any, events wait their turn behind them. */
  private pending = 0;
  private closed = false;
  private failure?: Error;
  private subscriptionId?: number;
  private stopCatchingUp?: () => void;

  protected constructor(private readonly channel: ChannelSource) {}

  /**
   * Starts the stream (call once, at the end of the subclass's constructor): subscribes to the channel,
   * then runs `begin`; runs `catchUp` after each resubscription. The stream fails with the Redis client's
   * error when the `SUBSCRIBE` fails, and with a `ServiceUnavailableError` (`extensions.code`
   * `SERVICE_UNAVAILABLE`, `retryable: true`) when Redis has not confirmed it within
   * {@link REDIS_COMMAND_TIMEOUT_MS} ms; `begin` does not run then.
   */
  protected open(begin: () => Promise<void>, catchUp: () => Promise<void>): void {
    const { pubSub, topic, metrics } = this.channel;
    metrics?.opened();
    this.enqueue(async () => {
      const options: SubscribeOptions = { confirmWithinMs: REDIS_COMMAND_TIMEOUT_MS };
      const id = await pubSub.subscribe<T>(topic, (event) => this.onEvent(event), options);
      if (this.closed) pubSub.unsubscribe(id);
      else this.subscriptionId = id;
    });
    this.enqueue(begin);
    this.stopCatchingUp = this.channel.onResubscribed?.(() => this.enqueue(catchUp));
  }

  /** A live event from the channel, in the publisher's tick: deliver it now when not {@link busy}, else {@link enqueue} it. */
  protected abstract onEvent(event: T): void;

  /** Whether tasks are running or queued: a live event must then wait its turn behind them. */
  protected get busy(): boolean {
    return this.pending > 0;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.outbox.length > 0) return Promise.resolve({ value: this.outbox.shift() as T, done: false });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  pushTo(sink: EventSink<T>): void {
    this.sink = sink;
    for (const event of this.outbox.splice(0)) this.deliver(event);
    if (this.failure !== undefined) sink.end(this.failure);
    else if (this.closed) sink.end();
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(asError(error));
  }

  /** Runs `task` after the tasks before it (not at all once the stream has ended); a throw fails the stream. */
  protected enqueue(task: () => Promise<void>): void {
    this.pending++;
    this.chain = (this.chain ?? Promise.resolve()).then(async () => {
      try {
        if (!this.closed) await task();
      } catch (error) {
        this.fail(error);
      } finally {
        if (--this.pending === 0) this.chain = undefined;
      }
    });
  }

  /** Hands `event` to the subscriber (nothing once the stream has ended). */
  protected deliver(event: T): void {
    if (this.closed) return;
    if (this.sink) {
      try {
        this.sink.next(event);
      } catch (error) {
        this.fail(error); // the subscriber could not take it (e.g. its result could not be sent): end its stream
      }
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value: event, done: false });
    else this.outbox.push(event);
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.failure = asError(error);
    const waiters = this.waiters.splice(0);
    this.release();
    for (const waiter of waiters) waiter.reject(this.failure);
    this.sink?.end(this.failure);
  }

  private close(): void {
    if (this.closed) return;
    this.release();
    this.outbox.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    this.sink?.end();
  }

  private release(): void {
    if (!this.closed) this.channel.metrics?.closed();
    this.closed = true;
    this.stopCatchingUp?.();
    this.stopCatchingUp = undefined;
    if (this.subscriptionId !== undefined) this.channel.pubSub.unsubscribe(this.subscriptionId);
    this.subscriptionId = undefined;
  }
}
