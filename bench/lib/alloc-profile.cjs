// Preload for an allocation profile of the Parley API under load:
//   NODE_OPTIONS="-r ./bench/lib/alloc-profile.cjs" ALLOC_START_MS=12000 node bench/run.mjs --only a --systems parley
// In the API process only (the one running main.js), ALLOC_START_MS after start (default 25,000) it
// samples allocations for ALLOC_MS (default 8,000) with V8's sampling heap profiler, counting objects
// the garbage collector has already freed too (what the collector has to work through), and writes
// /tmp/alloc-<pid>.json. Summarise it with `node bench/alloc-summary.mjs /tmp/alloc-<pid>.json`.
if (process.argv.some((arg) => arg.endsWith('main.js'))) {
  const inspector = require('node:inspector');
  const { writeFileSync } = require('node:fs');
  const session = new inspector.Session();
  session.connect();
  const sample = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  setTimeout(() => {
    session.post('HeapProfiler.startSampling', sample, (error) => {
      if (error) return process.stderr.write(`alloc-profile: ${error.message}\n`);
      setTimeout(() => {
        session.post('HeapProfiler.stopSampling', (stopError, result) => {
          if (stopError) return process.stderr.write(`alloc-profile: ${stopError.message}\n`);
          writeFileSync(`/tmp/alloc-${process.pid}.json`, JSON.stringify(result.profile));
        });
      }, Number(process.env.ALLOC_MS ?? 8000)).unref();
    });
  }, Number(process.env.ALLOC_START_MS ?? 25000)).unref();
}
