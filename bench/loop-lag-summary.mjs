#!/usr/bin/env node
// Summarises a log of bench/lib/loop-lag.cjs over its last 25 s (the load window of scenario a): garbage
// collections by kind, late event-loop iterations by length and how many had a collection inside. With
// `--cpu-profile FILE` (the same process's .cpuprofile, `--cpu-prof`), it also prints what the profiler
// saw during the five longest: the call paths sampled, and how long no sample came at all (the process
// got no CPU).  `node bench/loop-lag-summary.mjs /tmp/loop-lag-<pid>.json [--cpu-profile FILE]`
import { readFileSync } from 'node:fs';
import { frameKey, loadCpuProfile } from './lib/cpu-profile.mjs';

const WINDOW_MS = 25_000;
// perf_hooks.constants.NODE_PERFORMANCE_GC_*
const GC_KINDS = { 1: 'scavenge', 4: 'mark-compact', 8: 'incremental marking', 16: 'weak callbacks' };
const args = process.argv.slice(2);
const profileFile = args.includes('--cpu-profile') ? args[args.indexOf('--cpu-profile') + 1] : undefined;
const { label, gcs, lags } = JSON.parse(readFileSync(args[0], 'utf8'));

const end = Math.max(...gcs.map(([start]) => start), ...lags.map(([start]) => start));
const recentGcs = gcs.filter(([start]) => start > end - WINDOW_MS);
const recentLags = lags.filter(([start]) => start > end - WINDOW_MS);
const sum = (values) => values.reduce((a, b) => a + b, 0);
const fixed = (ms) => ms.toFixed(1);

console.log(`${label}, last ${WINDOW_MS / 1000} s`);
const byKind = new Map();
for (const [, duration, kind] of recentGcs) byKind.set(kind, [...(byKind.get(kind) ?? []), duration]);
for (const [kind, durations] of byKind) {
  durations.sort((a, b) => a - b);
  console.log(`  ${GC_KINDS[kind] ?? `gc kind ${kind}`}: ${durations.length}, median ${fixed(durations[durations.length >> 1])} ms, max ${fixed(durations.at(-1))} ms, total ${fixed(sum(durations))} ms`);
}
const withGc = recentLags.filter(([start, late]) => recentGcs.some(([gcStart]) => gcStart >= start - 1 && gcStart <= start + late + 2));
console.log(`  late iterations (> 8 ms): ${recentLags.length}, total ${fixed(sum(recentLags.map(([, late]) => late)))} ms; with a collection inside: ${withGc.length}`);
const bounds = [8, 16, 32, 64, Infinity];
console.log(`  by lateness, ms: ${bounds.slice(1).map((upper, i) => `${bounds[i]}–${upper === Infinity ? '' : upper}: ${recentLags.filter(([, late]) => late > bounds[i] && late <= upper).length}`).join(', ')}`);

if (profileFile) {
  const { profile, nodes, parents, times } = loadCpuProfile(profileFile);
  for (const [, late, endUs] of [...recentLags].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    const from = endUs - late * 1000 - 2000;
    const paths = new Map();
    let samples = 0;
    let unsampledUs = 0;
    let previous;
    for (let i = 0; i < times.length; i++) {
      if (times[i] < from || times[i] > endUs) continue;
      samples++;
      if (previous !== undefined && times[i] - previous > 3000) unsampledUs += times[i] - previous;
      previous = times[i];
      const path = [];
      for (let id = profile.samples[i]; id !== undefined; id = parents.get(id)) path.push(frameKey(nodes.get(id).callFrame));
      const key = `${path.slice(-3, -1).reverse().join(' > ')} … ${path[0]}`;
      paths.set(key, (paths.get(key) ?? 0) + 1);
    }
    console.log(`\n${fixed(late)} ms late: ${samples} samples, ${fixed(unsampledUs / 1000)} ms without any`);
    for (const [path, count] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${count}  ${path}`);
  }
}
