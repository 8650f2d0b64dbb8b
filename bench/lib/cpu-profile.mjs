// Reading a .cpuprofile (node --cpu-prof), shared by bench/profile-summary.mjs and bench/loop-lag-summary.mjs.
import { readFileSync } from 'node:fs';

/**
 * The profile with its nodes by id, each node's parent id, and each sample's time (µs on the monotonic
 * clock, `profile.startTime` plus the deltas up to it).
 */
export function loadCpuProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const times = [];
  for (let i = 0, t = profile.startTime; i < profile.samples.length; i++) times.push((t += profile.timeDeltas[i] ?? 0));
  return { profile, nodes, parents, times };
}

/** Where a frame's code lives: an npm package, `parley:<file>` for the API's own, a `node:` module, or a path tail. */
export function frameWhere(callFrame) {
  const url = callFrame.url || '';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/apps/api/')) return 'parley:' + url.split('/dist/apps/api/apps/api/src/')[1];
  if (url.startsWith('node:')) return url;
  return url ? url.split('/').slice(-2).join('/') : `(${callFrame.functionName || 'native'})`;
}

/** `function where:line`, one key per function. */
export function frameKey(callFrame) {
  return `${callFrame.functionName || '(anonymous)'} ${frameWhere(callFrame)}:${callFrame.lineNumber + 1}`;
}
