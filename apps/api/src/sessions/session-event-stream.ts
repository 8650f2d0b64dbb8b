import { RedisPubSub } from 'graphql-redis-subscriptions';
import { MessageModel } from '../messages/models/message.model';
import type { StreamMetrics } from '../metrics/metrics.service';
import { asError } from '../common/as-error';
import { EventSink, PushableEvents } from '../common/pushable-events';
import { SessionEventPayload } from './models/session-event.model';

/** What a {@link SessionEventStream} needs from the rest of the API. */
export interface SessionEventSource {
  pubSub: RedisPubSub;
  topic: string;
  /** Stored messages with `seq > afterSeq` (and `< beforeSeq` when given), ascending, at most `limit`. */
  loadMessages(afterSeq: number, beforeSeq: number | undefined, limit: number): Promise<MessageModel[]>;
  /** The session's current highest seq (live-only subscriptions start from it). */
  currentLastSeq(): Promise<number>;
  /** Events to send right after the replay (e.g. the current queue position). */
  initialEvents(): Promise<SessionEventPayload[]>;
  /**
   * Registers `listener` to be called whenever the Redis subscription is active again after Redis was
   * lost (see `PubSubReconnects`); returns a function that unregisters it. Without it, messages
   * published while Redis was away reach the stream only when a later message reveals the gap.
   */
  onResubscribed?(listener: () => void): () => void;
  /** Told when the stream opens and closes and when a live message is delivered (`/metrics`). */
  metrics?: StreamMetrics;
}

const PAGE = 200;

/**
 * The `sessionEvents` stream: resume-exact delivery of one chat session's events.
 *
 * 1. Subscribes to the session's Redis channel first (events arriving meanwhile are held),
 * 2. then replays stored messages with `seq > afterSeq` (or, without `afterSeq`, starts after the
 *    current last seq),
 * 3. then delivers live events in order. A `MessageCreated` whose seq was already delivered is dropped
 *    (no duplicate); one that skips seqs first gets the missing ones from PostgreSQL (no gap).
 *    A `QueuePositionChanged` with a higher position than one already delivered, or after `OperatorJoined`
 *    or `SessionClosed`, is stale and dropped
 *    (positions never go up).
 * 4. When Redis comes back after an outage, the subscription is active again by itself and the stream
 *    delivers from PostgreSQL every message stored meanwhile (their live events were lost with Redis),
 *    so the client needs to do nothing.
 *
 * A hand-written iterator rather than an async generator, so `return()` (client unsubscribes) ends a
 * pending `next()` at once and releases the Redis subscription. It can also push its events
 * ({@link PushableEvents}), which the WebSocket transport uses: each live event is then handed to the
 * socket in the publisher's tick, and nothing waits between events.
 */
export class SessionEventStream implements PushableEvents<SessionEventPayload> {
  private readonly outbox: SessionEventPayload[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<SessionEventPayload>) => void; reject: (e: Error) => void }> = [];
  /** Set by {@link pushTo}: events go there instead of to `outbox` and `waiters`. */
  private sink?: EventSink<SessionEventPayload>;
  /** The queued tasks, one after the other; dropped when none is left (an idle stream holds no promise). */
  private chain?: Promise<void>;
  /** Tasks enqueued and not finished: while there are any, events wait their turn behind them. */
  private pending = 0;
  private closed = false;
  private failure?: Error;
  private subscriptionId?: number;
  private stopCatchingUp?: () => void;
  private lastSeq = 0;
  /** The last queue position delivered (undefined before the first); 0 once out of the queue. */
  private lastPosition?: number;

  constructor(
    private readonly source: SessionEventSource,
    afterSeq: number | null | undefined,
  ) {
    source.metrics?.opened();
    this.enqueue(async () => {
      const id = await source.pubSub.subscribe<SessionEventPayload>(source.topic, (event) => this.onEvent(event));
      if (this.closed) source.pubSub.unsubscribe(id);
      else this.subscriptionId = id;
    });
    this.enqueue(async () => {
      if (afterSeq === null || afterSeq === undefined) {
        this.lastSeq = await source.currentLastSeq();
      } else {
        this.lastSeq = Math.max(0, afterSeq);
        await this.fill(undefined);
      }
      for (const event of await source.initialEvents()) this.deliver(event);
    });
    this.stopCatchingUp = source.onResubscribed?.(() => this.enqueue(() => this.fill(undefined)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<SessionEventPayload>> {
    const event = this.outbox.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  pushTo(sink: EventSink<SessionEventPayload>): void {
    this.sink = sink;
    for (const event of this.outbox.splice(0)) this.deliver(event);
    if (this.failure !== undefined) sink.end(this.failure);
    else if (this.closed) sink.end();
  }

  return(): Promise<IteratorResult<SessionEventPayload>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<SessionEventPayload>> {
    this.close();
    return Promise.reject(asError(error));
  }

  private enqueue(task: () => Promise<void>): void {
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

  /**
   * A live event from the channel. The common case (nothing queued, no seq gap) is handled at once, in
   * the publisher's tick, without a promise per event; anything else waits its turn in the task chain.
   */
  private onEvent(event: SessionEventPayload): void {
    if (this.pending === 0 && !this.revealsGap(event)) this.accept(event);
    else this.enqueue(() => this.handle(event));
  }

  private revealsGap(event: SessionEventPayload): event is Extract<SessionEventPayload, { __typename: 'MessageCreated' }> {
    return event.__typename === 'MessageCreated' && event.message.seq > this.lastSeq + 1;
  }

  private async handle(event: SessionEventPayload): Promise<void> {
    if (this.revealsGap(event)) await this.fill(event.message.seq);
    this.accept(event);
  }

  /** Delivers `event` unless it is a duplicate or a stale queue position (no gap is left before it). */
  private accept(event: SessionEventPayload): void {
    if (event.__typename === 'MessageCreated') {
      const seq = event.message.seq;
      if (seq <= this.lastSeq) return;
      this.lastSeq = seq;
      this.source.metrics?.delivered(event.message.sentAt);
    } else if (event.__typename === 'QueuePositionChanged') {
      if (this.lastPosition !== undefined && event.position > this.lastPosition) return;
      this.lastPosition = event.position;
    } else if (event.__typename === 'OperatorJoined' || event.__typename === 'SessionClosed') {
      this.lastPosition = 0; // out of the queue: a snapshot taken before that is stale
    }
    this.deliver(event);
  }

  /** Delivers stored messages after `lastSeq` (and before `beforeSeq`), page by page. */
  private async fill(beforeSeq: number | undefined): Promise<void> {
    for (;;) {
      const page = await this.source.loadMessages(this.lastSeq, beforeSeq, PAGE);
      for (const message of page) {
        this.deliver({ __typename: 'MessageCreated', sessionId: message.sessionId, message });
        this.lastSeq = message.seq;
      }
      if (page.length < PAGE) return;
    }
  }

  private deliver(event: SessionEventPayload): void {
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
    if (!this.closed) this.source.metrics?.closed();
    this.closed = true;
    this.stopCatchingUp?.();
    this.stopCatchingUp = undefined;
    if (this.subscriptionId !== undefined) this.source.pubSub.unsubscribe(this.subscriptionId);
    this.subscriptionId = undefined;
  }
}
