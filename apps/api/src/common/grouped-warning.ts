import { Logger } from '@nestjs/common';

/**
 * Warnings for a burst of the same failure kept to a few lines: what fails for every connection or every
 * message at once (a PostgreSQL restart closing a pool's connections, a Redis outage failing each message's
 * `PUBLISH`) would otherwise write one line each, hundreds a second under load, burying everything else.
 *
 * The first occurrence is written at once, with its details, and opens a window of `windowMs`; those within
 * the window are counted, and when it ends their number is written in one line and a new window opens
 * (a failure that lasts makes one line per window); a window with none closes, and the next occurrence is
 * written at once again. Nothing waits to be written but the count of the window running.
 */
export class GroupedWarning {
  private counted = 0;
  private window?: NodeJS.Timeout;

  /**
   * @param windowMs how long (ms) a window lasts
   * @param first the line for the first occurrence, from its details
   * @param more the line for `count` (≥ 1) more occurrences within one window
   */
  constructor(
    private readonly logger: Logger,
    private readonly windowMs: number,
    private readonly first: (detail: string) => string,
    private readonly more: (count: number) => string,
  ) {}

  /** One occurrence: written at once when no window is open, counted otherwise. */
  add(detail: string): void {
    if (this.window) {
      this.counted++;
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

  /** Writes the count of the window that ended, if it is not zero. @returns whether it wrote one */
  private writeCount(): boolean {
    if (this.counted === 0) return false;
    this.logger.warn(this.more(this.counted));
    this.counted = 0;
    return true;
  }
}
