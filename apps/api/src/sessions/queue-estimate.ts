/** Inputs of {@link estimateWaitSeconds}. */
export interface EstimateInput {
  /** 1-based place in the waiting queue. */
  position: number;
  /** Seconds from `queuedAt` to `acceptedAt` of recently accepted sessions (newest first). */
  recentWaitsSeconds: number[];
  /** Operators ONLINE now. */
  operatorsOnline: number;
  /** Seconds one place in the queue is assumed to take when there is no history (`QUEUE_FALLBACK_WAIT_SECONDS`). */
  fallbackSeconds: number;
}

/** Median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Estimated seconds until a waiting visitor is accepted.
 *
 * - No operator online → `null` (unknown: the widget says nobody is online; the chat is still kept).
 * - Per-place time `t` = median of recent wait-to-accept times (robust to one forgotten chat), or
 *   `fallbackSeconds` when there is no history in the sample.
 * - Operators work the queue in parallel: estimate = `t × ceil(position / operatorsOnline)`, rounded up to
 *   whole seconds, at least 1.
 */
export function estimateWaitSeconds(input: EstimateInput): number | null {
  if (input.operatorsOnline <= 0) return null;
  const perPlace = input.recentWaitsSeconds.length ? median(input.recentWaitsSeconds) : input.fallbackSeconds;
  const rounds = Math.ceil(input.position / input.operatorsOnline);
  return Math.max(1, Math.ceil(perPlace * rounds));
}
