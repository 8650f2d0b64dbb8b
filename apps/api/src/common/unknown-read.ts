import { Logger } from '@nestjs/common';
import { GroupedWarning } from './grouped-warning';
import { describeUnavailable, isServiceUnavailable, ServiceUnavailableError } from './service-unavailable';

/** How long (ms) reads failing after a first one are counted into one warning line. */
export const UNKNOWN_READ_REPORT_MS = 10_000;

/**
 * What a caller of a Redis read falls back to when Redis cannot tell (it hangs, or is unreachable), and the
 * warning it writes then: the first at once, naming the reason and what the caller answered instead; the
 * ones after it counted in one line per {@link UNKNOWN_READ_REPORT_MS} ({@link GroupedWarning}), since a
 * Redis that hangs fails the read of every request that makes one. Used for presence (`PresenceService.readOr`)
 * and for the queue's version (`QueueService.currentPlace`).
 */
export class UnknownRead {
  private readonly warnings: GroupedWarning;

  /**
   * @param subject what could not be read, starting each line: `Presence`, `Queue version`
   * @param windowMs how long (ms) failures after a first one are counted into one line
   */
  constructor(logger: Logger, subject: string, windowMs = UNKNOWN_READ_REPORT_MS) {
    this.warnings = new GroupedWarning(
      logger,
      windowMs,
      (detail) => `${subject} unknown: ${detail}`,
      (count) => `${subject} unknown for ${count} more read(s) within ${windowMs / 1000} s`,
    );
  }

  /**
   * `read`'s answer, or `fallback` when it failed because Redis did not answer in time or is unreachable
   * (`isServiceUnavailable`), with one warning (grouped) such as `Presence unknown: Redis did not answer a
   * presence read within 2 s; visitorPresence answered OFFLINE`.
   * @param consequence what the caller does instead, in a few words that are the same every time (it is
   *   the count line's cause, with the reason)
   * @throws `read`'s error when it is any other (a bug, a refused command): nothing is assumed then.
   */
  async or<T>(read: Promise<T>, fallback: T, consequence: string): Promise<T> {
    try {
      return await read;
    } catch (error) {
      if (!isServiceUnavailable(error)) throw error;
      const reason = error instanceof ServiceUnavailableError ? error.message : describeUnavailable(error);
      const line = `${reason}; ${consequence}`;
      this.warnings.add(line, line);
      return fallback;
    }
  }

  /** Writes the count of the running window, if any (the owner stops). */
  flush(): void {
    this.warnings.flush();
  }
}
