// Preload that logs where a server's event loop was late, to find what holds messages back (NOTES.md §20):
//   NODE_OPTIONS="-r $PWD/bench/lib/loop-lag.cjs" node bench/run.mjs --only a [--cpu-prof /tmp/prof]
// In the Parley API (main.js) and the baseline server (server.mjs) only: a 2 ms timer records every
// lateness over 8 ms (start in ms since the process's time origin, length in ms, end on the monotonic
// clock in µs, the clock a .cpuprofile uses), and V8's `gc` performance entries are kept beside them.
// Every 5 s it rewrites /tmp/loop-lag-<pid>.json; `node bench/loop-lag-summary.mjs FILE [--cpu-profile P]`
// summarises the last 25 s.
if (process.argv.some((arg) => arg.endsWith('main.js') || arg.endsWith('server.mjs'))) {
  const { PerformanceObserver, performance } = require('node:perf_hooks');
  const { writeFileSync } = require('node:fs');
  const INTERVAL_MS = 2;
  const LATE_MS = 8;
  const gcs = [];
  const lags = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push([entry.startTime, entry.duration, entry.detail?.kind]);
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - last - INTERVAL_MS;
    if (late > LATE_MS) lags.push([last, late, Number(process.hrtime.bigint() / 1000n)]);
    last = now;
  }, INTERVAL_MS).unref();
  const label = process.argv[1].split('/').pop();
  setInterval(() => writeFileSync(`/tmp/loop-lag-${process.pid}.json`, JSON.stringify({ label, gcs, lags })), 5000).unref();
}
