import { Logger } from '@nestjs/common';

/**
 * An `error` listener for BullMQ queues and workers that logs one line per new problem (a Redis outage
 * repeats the same error on every reconnect attempt) instead of a stack trace per attempt.
 */
export function logChangedErrors(logger: Logger, what: string): (error: Error) => void {
  let last = '';
  return (error: Error) => {
    const line = `${what}: ${error.message}`;
    if (line !== last) logger.warn(line);
    last = line;
  };
}
