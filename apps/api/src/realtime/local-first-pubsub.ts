import { Logger } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { randomUUID } from 'node:crypto';
import { asError } from '../common/as-error';
import { GroupedWarning } from '../common/grouped-warning';
import { ServiceUnavailableError } from '../common/service-unavailable';
import { deserializeWithDates, serializeWithDates } from './redis-json';

type Options = Omit<NonNullable<ConstructorParameters<typeof RedisPubSub>[0]>, 'serializer' | 'deserializer' | 'reviver'>;
type Listener = (payload: unknown) => void;

/** What {@link LocalFirstPubSub.subscribe} takes: graphql-redis-subscriptions' channel options, and a deadline. */
export interface SubscribeOptions {
  /**
   * How long (ms) Redis has to confirm the channel's `SUBSCRIBE` before the subscription fails with
   * `SERVICE_UNAVAILABLE` (retryable); none when left out (the subscription waits for Redis' answer).
   */
  confirmWithinMs?: number;
  [libraryOption: string]: unknown;
}

/** How long (ms) subscriptions Redis did not confirm after a first one are counted into one warning line. */
const UNCONFIRMED_REPORT_MS = 10_000;

/**
 * The private state of graphql-redis-subscriptions' `RedisPubSub` (2.7.0) that {@link LocalFirstPubSub.subscribe}
 * mends after a failed `SUBSCRIBE` (no channel options are used, so a trigger is its channel's name).
 */
interface LibraryState {
  currentSubscriptionId: number;
  subscriptionMap: Record<number, unknown>;
  subsRefsMap: Map<string, Set<number>>;
  subsPendingRefsMap: Map<string, { pending: { catch(onRejected: () => void): unknown } }>;
}

/** An instance id and `|` before the JSON: what this class puts on the wire. */
const TAGGED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\|/;
/** What the deserializer answers for this instance's own messages coming back from Redis. */
const OWN = Symbol('published by this instance');

/**
 * Redis pub/sub fan-out that delivers to this instance's own subscribers at once, in process, and
 * through Redis to the other instances. Every payload is still published to Redis, tagged with this
 * instance's id, so other instances receive exactly what they did before; this instance's subscriber
 * connection skips its own. Local subscribers no longer wait for the round trip through Redis: on a
 * loaded machine, one process less to be scheduled on the way to every message.
 *
 * Local subscribers get the published object itself, shared by the local listeners as one parsed copy
 * is on the Redis path: a publisher must not change an event after publishing it, and subscribers only
 * read it. Remote subscribers get the same value through `redis-json` (Dates stay Dates). A listener
 * is registered locally at once, before Redis confirms its `SUBSCRIBE`. Events of one channel published
 * by two instances may reach a subscriber in another order than through Redis alone; `sessionEvents`
 * orders by `seq` (a gap is filled from PostgreSQL, a duplicate dropped) and drops stale queue
 * positions, so what clients see is unchanged. Messages without a tag (e.g. published by the CLI) are
 * delivered as they are.
 */
export class LocalFirstPubSub extends RedisPubSub {
  /** This process's id on the wire. */
  readonly instanceId: string;
  private readonly ownPrefix: string;
  private readonly logger = new Logger('PubSub');
  private readonly local = new Map<string, Set<Listener>>();
  private readonly byId = new Map<number, { trigger: string; listener: Listener }>();
  /** Subscriptions given up on because Redis did not confirm them in time: the first of a burst at once, then one count line per {@link UNCONFIRMED_REPORT_MS}. */
  private readonly unconfirmed = new GroupedWarning(
    this.logger,
    UNCONFIRMED_REPORT_MS,
    (within) => `Redis (subscriber) did not confirm a SUBSCRIBE within ${within} (hanging, or down for a while); the subscription was refused SERVICE_UNAVAILABLE`,
    (count) => `${count} more subscription(s) refused SERVICE_UNAVAILABLE within ${UNCONFIRMED_REPORT_MS / 1000} s: Redis did not confirm their SUBSCRIBE in time`,
  );

  constructor(options: Options) {
    const instanceId = randomUUID();
    const ownPrefix = `${instanceId}|`;
    super({
      ...options,
      deserializer: (message: Buffer | string) => {
        const text = typeof message === 'string' ? message : message.toString('utf8');
        if (text.startsWith(ownPrefix)) return OWN;
        return deserializeWithDates(TAGGED.test(text) ? text.slice(ownPrefix.length) : text);
      },
    });
    this.instanceId = instanceId;
    this.ownPrefix = ownPrefix;
  }

  override async publish<T>(trigger: string, payload: T): Promise<void> {
    const text = serializeWithDates(payload);
    const published = this.getPublisher().publish(trigger, `${this.ownPrefix}${text}`);
    const listeners = this.local.get(trigger);
    if (listeners?.size) {
      // A Set's iteration skips listeners removed meanwhile and is safe against changes: no copy per publish.
      for (const listener of listeners) {
        try {
          listener(payload);
        } catch (error) {
          // One subscriber's failure must neither fail the publish nor starve the others (as on the Redis path).
          this.logger.warn(`A subscriber of ${trigger} failed: ${(error as Error).message}`);
        }
      }
    }
    await published;
  }

  /**
   * Subscribes `onMessage` to `trigger`: at once for this instance's own publishes, and through Redis for
   * the other instances'. Resolves with the subscription's id once Redis has confirmed the channel's
   * `SUBSCRIBE`. Rejects with the Redis client's error when that `SUBSCRIBE` fails (Redis unreachable:
   * `SERVICE_UNAVAILABLE` to the GraphQL subscriber), leaving nothing of the attempt behind.
   *
   * With `confirmWithinMs`, a `SUBSCRIBE` Redis has not confirmed within that many ms (a Redis that hangs
   * without closing the connection: a stalled server, a partition) rejects with a {@link ServiceUnavailableError}
   * (`extensions.code` `SERVICE_UNAVAILABLE`, `retryable: true`), so a subscriber is told to retry instead of
   * waiting in silence for as long as the hang lasts. It also bounds the wait while Redis is down: ioredis
   * rejects a queued command only every `maxRetriesPerRequest` + 1 reconnection attempts, with
   * `createRedisClient`'s settings up to 8 s apart. At the deadline the listener leaves the local registry;
   * the library keeps its entry for the `SUBSCRIBE` in flight, which then holds nothing of the subscriber;
   * should Redis confirm it after all, the subscription is released here (`UNSUBSCRIBE` when it was the
   * channel's last), and should it fail, its entries are removed as above. One timer per call, cleared on
   * confirmation; nothing per event.
   *
   * graphql-redis-subscriptions 2.7.0 (the latest) shares the first `SUBSCRIBE` of a channel with the
   * subscriptions that come while it is in flight through a promise of its own, rejected when that
   * `SUBSCRIBE` fails and handled by nobody unless another subscription came meanwhile: Node ends the
   * process on such a rejection. So during a Redis outage the first widget to open a chat stopped the API.
   * That promise is handled here, and the failed subscription's entries, which the library keeps, removed.
   */
  override async subscribe<T = unknown>(trigger: string, onMessage: (message: T) => void, options: SubscribeOptions = {}): Promise<number> {
    const { confirmWithinMs, ...libraryOptions } = options;
    const listener = onMessage as Listener;
    let listeners = this.local.get(trigger);
    if (!listeners) this.local.set(trigger, (listeners = new Set()));
    listeners.add(listener);
    const library = this as unknown as LibraryState;
    const attempt = library.currentSubscriptionId; // the id the library gives this subscription
    // What the library's entry calls: cleared when the attempt is given up, so that entry holds nothing of the subscriber.
    let target: Listener | undefined = listener;
    let subscribed: Promise<number>;
    try {
      subscribed = super.subscribe(trigger, (message: unknown) => message !== OWN && target?.(message), libraryOptions);
    } catch (error) {
      this.forget(trigger, listener); // its trigger transform threw, before the library kept anything
      throw error;
    }
    library.subsPendingRefsMap.get(trigger)?.pending.catch(() => undefined); // the rejection reaches us through `subscribed`
    return new Promise<number>((resolve, reject) => {
      /** Whether Redis has answered the `SUBSCRIBE` (confirmed or failed). */
      let answered = false;
      const giveUp = (withinMs: number) => {
        if (answered) return;
        target = undefined;
        this.forget(trigger, listener);
        const within = `${withinMs / 1000} s`;
        this.unconfirmed.add(within);
        reject(new ServiceUnavailableError(`Redis did not confirm the subscription within ${within}; retry`));
      };
      // Given up after the I/O of the loop's turn in which the deadline fires (setImmediate): after a stall of
      // the event loop longer than the deadline, Node runs due timers before it reads the sockets, and the
      // confirmation that came meanwhile must win.
      const deadline = confirmWithinMs === undefined ? undefined : setTimeout(() => setImmediate(giveUp, confirmWithinMs), confirmWithinMs);
      subscribed.then(
        (id) => {
          answered = true;
          if (target === undefined) {
            super.unsubscribe(id); // confirmed after the subscriber was told it failed: nobody holds this id
            return;
          }
          clearTimeout(deadline);
          this.byId.set(id, { trigger, listener });
          resolve(id);
        },
        (error: unknown) => {
          answered = true;
          clearTimeout(deadline);
          if (target !== undefined) this.forget(trigger, listener);
          delete library.subscriptionMap[attempt];
          if (library.subsRefsMap.get(trigger)?.size === 0 && !library.subsPendingRefsMap.has(trigger)) library.subsRefsMap.delete(trigger);
          reject(asError(error)); // nothing when the deadline has already rejected
        },
      );
    });
  }

  override unsubscribe(subId: number): void {
    const entry = this.byId.get(subId);
    if (entry) this.forget(entry.trigger, entry.listener);
    this.byId.delete(subId);
    super.unsubscribe(subId);
  }

  private forget(trigger: string, listener: Listener): void {
    const listeners = this.local.get(trigger);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.local.delete(trigger);
  }
}
