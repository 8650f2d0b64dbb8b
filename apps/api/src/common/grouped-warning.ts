import { Logger } from '@nestjs/common';

/**
 * One warning line for a burst of the same failure: what fails for every connection or every message at
 * once (a PostgreSQL restart closing a pool's connections, a Redis outage failing each message's
 * `PUBLISH`) is written as one line per `windowMs` with how many there were and the first one's details,
 * not as one line each (hundreds a second under load, burying everything else in the log).
 */
export class GroupedWarning {
  private count = 0;
  private first?: string;
  private timer?: NodeJS.Timeout;

  /**
   * @param windowMs how long (ms) after the first of a burst its line is written; what comes meanwhile is counted in it
   * @param line the line for `count` occurrences (at least 1), the first of which had `first` as its details
   */
  constructor(
    private readonly logger: Logger,
    private readonly windowMs: number,
    private readonly line: (count: number, first: string) => string,
  ) {}

  /** Counts one occurrence; its `detail` is kept when it is the first of its window. */
  add(detail: string): void {
    this.count++;
    this.first ??= detail;
    this.timer ??= setTimeout(() => this.flush(), this.windowMs).unref();
  }

  /** Writes the line of what was counted and not written yet, if anything was (a window ends, or the owner stops). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.first === undefined) return;
    this.logger.warn(this.line(this.count, this.first));
    this.count = 0;
    this.first = undefined;
  }
}
