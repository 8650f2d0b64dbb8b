import { ServiceUnavailableError } from '../common/service-unavailable';
import { REDIS_COMMAND_TIMEOUT_MS } from '../realtime/redis.providers';

/**
 * `error` as a presence read's caller gets it: ioredis' `Command timed out` (no answer within
 * {@link REDIS_COMMAND_TIMEOUT_MS}, `REDIS_READS`) becomes a {@link ServiceUnavailableError} that says so in
 * words (`extensions.code` `SERVICE_UNAVAILABLE`, `retryable: true`, should it reach a client); any other
 * error is returned unchanged.
 */
export function presenceReadError<E>(error: E): E | ServiceUnavailableError {
  if (!(error instanceof Error) || error.message !== 'Command timed out') return error;
  return new ServiceUnavailableError(`Redis did not answer a presence read within ${REDIS_COMMAND_TIMEOUT_MS / 1000} s`);
}
