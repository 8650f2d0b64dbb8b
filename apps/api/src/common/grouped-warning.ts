import { Logger } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';

/**
 * The async context of this module's loading, at start-up: outside every request. Count lines are written
 * in it, so they carry no request's context: nestjs-pino takes a line's request fields (`req.id`, its
 * headers) from the `AsyncLocalStorage` store of the code that writes it, and the window's timer, started
 * by the first request, runs in that request's context.
 */
const OUTSIDE_REQUESTS = new AsyncResource('GroupedWarning');

/**
 * Warnings for a burst of the same failure kept to a few lines: what fails for every connection or every
 * message at once (a PostgreSQL restart closing a pool's connections, a Redis outage failing each message's
 * `PUBLISH`) would otherwise write one line each, hundreds a second under load, burying everything else.
 *
 * The first occurrence is written at once, with its details (in the context of the code that reports it,
 * e.g. its request's), and opens a window of `windowMs`; those within the window are counted, and when it
 * ends their number is written in one line, outside any request's context, and a new window opens (a
 * failure that lasts makes one line per window); a window with none closes, and the next occurrence is
 * written at once again. Occurrences reported with a cause are counted per cause, and the count line names
 * each cause of its window with its count, in the order they first came (a PostgreSQL restart: SQLSTATE
 * 57P01 for the statements it ends, then `ECONNREFUSED` while it is down). Nothing waits to be written but
 * the count of the window running.
 */
export class GroupedWarning {
  private counted = 0;
  /** Occurrences of the running window that came with a cause, by cause, in the order each cause first came. */
  private readonly causes = new Map<string, number>();
  private window?: NodeJS.Timeout;

  /**
   * @param windowMs how long (ms) a window lasts
   * @param first the line for the first occurrence, from its details
   * @param more the line for `count` (≥ 1) more occurrences within one window; when some came with a cause,
   *   `: <n> × <cause>; <n> × <cause>` is added to it
   */
  constructor(
    private readonly logger: Logger,
    private readonly windowMs: number,
    private readonly first: (detail: string) => string,
    private readonly more: (count: number) => string,
  ) {}

  /**
   * One occurrence: written at once when no window is open, counted otherwise.
   * @param detail what the first line is made from (the constructor's `first`)
   * @param cause what failed, in a few words that are the same for every occurrence of that failure (e.g.
   *   `describeUnavailable(error)`), for the count line to name; without one the occurrence is only counted
   */
  add(detail: string, cause?: string): void {
    if (this.window) {
      this.counted++;
      if (cause !== undefined) this.causes.set(cause, (this.causes.get(cause) ?? 0) + 1);
      return;
    }
    this.logger.warn(this.first(detail));
    this.open();
  }

  /** Writes the count of the running window, if any were counted, and closes it (the owner stops). */
  flush(): void {
    clearTimeout(this.window);
    this.window = undefined;
    this.writeCount();
  }

  private open(): void {
    this.window = setTimeout(() => {
      this.window = undefined;
      if (this.writeCount()) this.open();
    }, this.windowMs).unref();
  }

  /** Writes the count of the window that ended, if it is not zero, outside any request's context. @returns whether it wrote one */
  private writeCount(): boolean {
    if (this.counted === 0) return false;
    const causes = [...this.causes].map(([cause, count]) => `${count} × ${cause}`).join('; ');
    const line = causes === '' ? this.more(this.counted) : `${this.more(this.counted)}: ${causes}`;
    this.counted = 0;
    this.causes.clear();
    OUTSIDE_REQUESTS.runInAsyncScope(() => this.logger.warn(line));
    return true;
  }
}
