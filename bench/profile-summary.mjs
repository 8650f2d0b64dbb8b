#!/usr/bin/env node
// Summarises a .cpuprofile (node --cpu-prof): self time by function and by package, and inclusive time
// of the heaviest call paths. `node bench/profile-summary.mjs FILE [--top 30] [--last SECONDS]`
// (`--last`: only the samples of the final seconds, e.g. a load window after a long set-up).
import { frameKey, frameWhere as where, loadCpuProfile } from './lib/cpu-profile.mjs';

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 30;
const { profile, nodes, parents: parent, times } = loadCpuProfile(file);
const lastUs = process.argv.includes('--last') ? Number(process.argv[process.argv.indexOf('--last') + 1]) * 1e6 : Infinity;
const from = times.length ? times[times.length - 1] - lastUs : -Infinity;
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  if (times[i] < from) continue;
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const pct = (us) => `${((us / total) * 100).toFixed(1)}%`.padStart(6);

const self = new Map();
const byPkg = new Map();
for (const [id, us] of dt) {
  const n = nodes.get(id);
  const key = frameKey(n.callFrame);
  self.set(key, (self.get(key) ?? 0) + us);
  const pkg = where(n.callFrame).split(':')[0] === 'parley' ? 'parley' : where(n.callFrame).split('/')[0];
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
}
// Inclusive time per function key (counted once per stack).
const incl = new Map();
for (const [id, us] of dt) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const n = nodes.get(cur);
    const key = frameKey(n.callFrame);
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + us);
  }
}
const show = (title, map, n) => {
  console.log(`\n${title}`);
  [...map].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, us]) => console.log(`${pct(us)}  ${k}`));
};
console.log(`total ${(total / 1e6).toFixed(1)} s sampled`);
show('self time by package', byPkg, 25);
show('self time by function', self, top);
show('inclusive time by function', incl, top);
