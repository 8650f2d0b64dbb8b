/** Where a pushed stream delivers: every event in order, then one end. */
export interface EventSink<T> {
  /** One event. A throw ends the stream: the stream calls `end` with what was thrown. */
  next(value: T): void;
  /** The stream is over, with `error` when it failed. Called at most once; nothing is delivered after it. */
  end(error?: Error): void;
}

/**
 * A subscription's event stream that can push its events to an {@link EventSink} as they come, instead of
 * being pulled with `next()`. Pulling keeps a chain of promises waiting per subscriber from one event to
 * the next; at a few events per subscriber per second that chain lives long enough to be promoted by the
 * garbage collector, and every event allocates a new one (bench/NOTES.md §25). Pushing keeps nothing
 * between events. A stream is consumed one way or the other, not both.
 */
export interface PushableEvents<T> extends AsyncIterableIterator<T> {
  /**
   * From now on, every event goes to `sink`, events already waiting first, and the stream's end (its
   * `return()`, or a failure) to `sink.end`. Called once, instead of `next()`.
   */
  pushTo(sink: EventSink<T>): void;
  /** Ends the stream (the subscriber is gone): its sink gets `end()`, and nothing after. */
  return(): Promise<IteratorResult<T>>;
}

/** Whether `value` is a {@link PushableEvents}. */
export function isPushable<T>(value: unknown): value is PushableEvents<T> {
  return typeof (value as Partial<PushableEvents<T>> | null)?.pushTo === 'function';
}
