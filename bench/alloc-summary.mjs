#!/usr/bin/env node
// Summarises an allocation profile written by bench/lib/alloc-profile.cjs: bytes allocated by package
// and by function (self), as shares of everything sampled. `node bench/alloc-summary.mjs FILE [--top 40]`
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 40;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byFunction = new Map();
const byPackage = new Map();
let total = 0;
const pending = [profile.head];
while (pending.length) {
  const node = pending.pop();
  const where = node.callFrame.url.replace(/.*node_modules\//, '').replace(/.*dist\/apps\/api\/apps\/api\/src\//, 'parley/');
  const key = `${node.callFrame.functionName || '(anonymous)'} ${where.split('/').slice(0, 3).join('/')}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
  const pkg = where.split('/')[0] || '(native)';
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
  total += node.selfSize;
  pending.push(...node.children);
}
const share = (bytes) => `${((bytes / total) * 100).toFixed(1)}%`.padStart(6);
console.log(`${(total / 1e6).toFixed(1)} MB sampled\n\nby package`);
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${share(bytes)}  ${name}`);
console.log('\nby function (self)');
for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${share(bytes)}  ${name}`);
