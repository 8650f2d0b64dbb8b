// Latency histograms (HdrHistogram, microseconds inside, milliseconds out).
import hdr from 'hdr-histogram-js';

export function latencyHistogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 300_000_000, // 5 minutes in µs
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    useWebAssembly: false,
  });
}

/** Records a duration given in milliseconds (from `performance.now()` differences). */
export function recordMs(histogram, ms) {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

const ms = (us) => Math.round(us / 10) / 100;

/** `{ count, p50, p90, p99, max, mean }` in milliseconds (two decimals). */
export function summary(histogram) {
  if (histogram.totalCount === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}
