import { type Signal, signal } from '@angular/core';
import { ErrorCode } from '@parley/shared';
import { Observable, Subscription } from 'rxjs';
import type { ConnectionService } from './connection.service';
import { RequestError, toRequestError } from './request-error';

/** One delivery of a subscription as Apollo gives it: data, or an error that ended the stream. */
export interface SubscriptionResult<T> {
  data?: T | null;
  error?: unknown;
}

/** Error codes after which subscribing again cannot help. */
const FINAL_CODES: readonly string[] = [ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.BAD_USER_INPUT, ErrorCode.UNAUTHENTICATED];

/** What a {@link LiveSubscription} needs. */
export interface LiveSubscriptionOptions<T> {
  connection: Pick<ConnectionService, 'lost$' | 'reconnected$' | 'retryNow$' | 'retryDelayMs' | 'track'>;
  /**
   * Opens the subscription. Called again for every resubscription, so it reads the *current* variables
   * (e.g. `afterSeq` = the last seq seen) each time.
   */
  open: () => Observable<SubscriptionResult<T>>;
  /** Each event. */
  next: (data: T) => void;
  /**
   * Called after resubscribing following a lost connection (not on the first start): re-read what the
   * subscription does not replay.
   */
  resumed?: () => void;
  /** The API refused the subscription for good (FORBIDDEN, NOT_FOUND, …); it is not retried. */
  failed?: (error: RequestError) => void;
  /**
   * For a stream that sends nothing until something happens (no first snapshot, e.g. `sessionEvents` of a
   * quiet chat): a resubscription that stays open this long (ms) without failing counts as live again, and
   * ends {@link LiveSubscription.retryingSince} as its first event would. Without it, only an event does.
   */
  settleMs?: number;
}

/**
 * A GraphQL subscription that survives connection loss: when the socket drops, or the stream ends or
 * fails for a reason that may pass, it subscribes again after the connection's backoff (at once when the
 * browser comes back online) by calling `open()` anew, then calls `resumed()`.
 *
 * While it retries after its stream ended or failed on a socket that stayed up (e.g. `SERVICE_UNAVAILABLE`,
 * `retryable: true`, while the API cannot reach Redis or PostgreSQL), {@link retryingSince} says since when,
 * so the console can tell the operator that what it shows may be out of date. A dropped socket alone does
 * not set it: `ConnectionService.interrupted` covers that for every subscription at once.
 */
export class LiveSubscription<T> {
  private current?: Subscription;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly retrying = signal<number | null>(null);
  private readonly watchers: Subscription;
  private running = false;
  private waitingToRetry = false;

  constructor(private readonly options: LiveSubscriptionOptions<T>) {
    const { connection } = options;
    this.watchers = new Subscription();
    this.watchers.add(connection.lost$.subscribe(() => this.interrupt()));
    this.watchers.add(
      connection.retryNow$.subscribe(() => {
        if (this.waitingToRetry) this.resubscribe();
      }),
    );
  }

  /**
   * When (Unix ms) the stream last ended or failed with an error that may pass, while no event has come
   * since (nor, with `settleMs`, a resubscription stayed open that long); `null` while the stream is live,
   * after a final refusal (`failed` is called instead) and after {@link stop}. A dropped socket keeps the
   * value it had.
   */
  readonly retryingSince: Signal<number | null> = this.retrying.asReadonly();

  /** True between {@link start} and {@link stop}. */
  get active(): boolean {
    return this.running;
  }

  /** Subscribes (once; further calls do nothing while running). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.subscribe(false);
  }

  /** Ends the subscription for good. */
  stop(): void {
    this.running = false;
    this.waitingToRetry = false;
    clearTimeout(this.retryTimer);
    this.unsubscribe();
    this.watchers.unsubscribe();
    this.retrying.set(null);
  }

  private subscribe(resumed: boolean): void {
    this.unsubscribe();
    this.options.connection.track(1);
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      this.current = undefined;
      clearTimeout(this.settleTimer);
      this.options.connection.track(-1);
      if (!this.running) return;
      if (error !== undefined) {
        const failure = toRequestError(error);
        if (failure.code !== undefined && FINAL_CODES.includes(failure.code)) {
          this.running = false;
          this.retrying.set(null);
          this.options.failed?.(failure);
          return;
        }
      }
      if (this.retrying() === null) this.retrying.set(Date.now());
      this.scheduleRetry();
    };
    const subscription = this.options.open().subscribe({
      next: (result) => {
        if (result.error !== undefined && result.error !== null) end(result.error);
        else if (result.data != null) {
          this.settled();
          this.options.next(result.data);
        }
      },
      error: (error: unknown) => end(error),
      complete: () => end(),
    });
    if (ended) {
      subscription.unsubscribe();
      return;
    }
    this.current = new Subscription(() => {
      clearTimeout(this.settleTimer);
      if (!ended) {
        ended = true;
        this.options.connection.track(-1);
      }
      subscription.unsubscribe();
    });
    const { settleMs } = this.options;
    if (settleMs !== undefined && this.retrying() !== null) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.settled(), settleMs);
    }
    if (resumed) this.options.resumed?.();
  }

  /** The stream is live again: an event came, or it stayed open for `settleMs`. */
  private settled(): void {
    clearTimeout(this.settleTimer);
    if (this.retrying() !== null) this.retrying.set(null);
  }

  private interrupt(): void {
    if (!this.running) return;
    this.unsubscribe();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.waitingToRetry = true;
    this.retryTimer = setTimeout(() => this.resubscribe(), this.options.connection.retryDelayMs());
  }

  private resubscribe(): void {
    clearTimeout(this.retryTimer);
    this.waitingToRetry = false;
    if (this.running) this.subscribe(true);
  }

  private unsubscribe(): void {
    const current = this.current;
    this.current = undefined;
    current?.unsubscribe();
  }
}
