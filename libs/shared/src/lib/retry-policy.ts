import { equalJitterBackoffMs } from './backoff';
import { RETRYABLE_ERROR_CODES } from './error-codes';

/** First wait before a client tries again a request refused for a reason that may pass (ms); doubles per failure. */
export const RETRY_BASE_MS = 1000;
/** The longest wait between such tries (ms): an outage costs the API one try per client every 15–30 s. */
export const RETRY_MAX_MS = 30000;

/**
 * Wait before try `attempt` (0-based, counted since the last success) of a request refused for a reason
 * that may pass (ms): {@link RETRY_BASE_MS} doubling up to {@link RETRY_MAX_MS}, with equal jitter
 * (`equalJitterBackoffMs`: half of it fixed, half random), so clients that failed in the same outage do
 * not all come back in the same second, yet none tries again much sooner. A rate limit's
 * `retryAfterSeconds` still wins when it is longer: callers wait for the later of the two.
 * @param random a number in [0, 1) (`Math.random` by default; tests pass a fixed one)
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return equalJitterBackoffMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS, random);
}

/**
 * Whether a message refused with `code` is sent again by itself, with the same `clientMessageId` (the API
 * stores it at most once), after {@link retryDelayMs}: the API said the refusal may pass
 * (`RETRYABLE_ERROR_CODES`: `SERVICE_UNAVAILABLE`, `RATE_LIMITED`), or no answer came at all (`undefined`:
 * the connection failed). Any other code (`INTERNAL_SERVER_ERROR`, `BAD_USER_INPUT`, `SESSION_CLOSED`,
 * `FORBIDDEN`, …) waits for a person's Retry, or is final.
 * @param code the error's `extensions.code`; `undefined` when the request got no answer
 */
export function resendsByItself(code: string | undefined): boolean {
  return code === undefined || (RETRYABLE_ERROR_CODES as readonly string[]).includes(code);
}
