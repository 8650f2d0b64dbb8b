// Scenario sizes. `full` is `npm run bench` (about 12 minutes on the 2-core reference machine),
// `quick` is `npm run bench:quick` (about 3 minutes, for checking the harness, not for figures).
// Scale any of them with BENCH_* environment variables (see bench/README.md) or edit here.
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);

export const profiles = {
  full: {
    // (a) active sessions at a fixed rate
    a: { sessions: env('BENCH_SESSIONS', 1000), operators: env('BENCH_OPERATORS', 20), rate: env('BENCH_RATE', 500), warmupMs: 5000, measureMs: env('BENCH_MEASURE_MS', 30000) },
    // (b) rate steps on (a)'s sessions until p99 ≥ 50 ms, errors or under 97 % of the rate delivered
    b: { from: env('BENCH_B_FROM', 1000), step: env('BENCH_B_STEP', 250), to: env('BENCH_B_TO', 6000), warmupMs: 3000, measureMs: env('BENCH_B_MEASURE_MS', 10000), p99LimitMs: 50 },
    // (c) idle subscribed widget connections
    c: { connections: env('BENCH_IDLE', 10000), concurrency: 100, settleMs: 5000 },
    // (d) as (a), two instances behind nginx, visitor and operator of each session on different instances
    d: { sessions: env('BENCH_SESSIONS', 1000), operators: env('BENCH_OPERATORS', 20), rate: env('BENCH_RATE', 500), warmupMs: 5000, measureMs: env('BENCH_MEASURE_MS', 30000) },
    // (e) queue churn
    e: { visitors: env('BENCH_QUEUE', 500), operators: 5, joinRate: 50, acceptRate: 50 },
  },
  quick: {
    a: { sessions: 200, operators: 10, rate: 500, warmupMs: 2000, measureMs: 8000 },
    b: { from: 1000, step: 500, to: 6000, warmupMs: 2000, measureMs: 5000, p99LimitMs: 50 },
    c: { connections: 2000, concurrency: 100, settleMs: 3000 },
    d: { sessions: 200, operators: 10, rate: 500, warmupMs: 2000, measureMs: 8000 },
    e: { visitors: 100, operators: 5, joinRate: 50, acceptRate: 50 },
  },
};
