/**
 * Wait before try `attempt` (0-based) after failures in a row, in ms: exponential backoff from `firstMs`,
 * doubling per attempt, capped at `maxMs`, with "equal jitter" (half of the wait fixed, half random; AWS
 * Architecture Blog, "Exponential Backoff And Jitter"), so that clients that failed together do not all
 * come back at the same instant, yet none retries much sooner than the fixed half.
 * @param random a number in [0, 1) (`Math.random` by default; tests pass a fixed one)
 */
export function equalJitterBackoffMs(attempt: number, firstMs: number, maxMs: number, random: () => number = Math.random): number {
  const capped = Math.min(maxMs, firstMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}
