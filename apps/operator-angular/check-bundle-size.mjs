#!/usr/bin/env node
// Budget check run after the production build: the console's initial JavaScript (the scripts index.html
// loads plus every chunk they import statically, per the esbuild metafile `stats.json`) must stay at or
// below 300 KB gzip. Angular's own budgets measure raw bytes only, so this is the one that fails CI.
//
// Usage: node apps/operator-angular/check-bundle-size.mjs [--dir dist/apps/operator-angular] [--max-kb 300]
// Exit code 1 (with the sizes) when over budget or when the build output is missing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const here = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const outDir = path.resolve(option('--dir', path.join(here, '../../dist/apps/operator-angular')));
const maxKb = Number(option('--max-kb', '300'));
const browserDir = path.join(outDir, 'browser');
const indexHtml = path.join(browserDir, 'index.html');
const statsFile = path.join(outDir, 'stats.json');

function fail(message) {
  process.stderr.write(`check-bundle-size: ${message}\n`);
  process.exit(1);
}

if (!existsSync(indexHtml)) fail(`${indexHtml} is missing: build the console first`);
if (!existsSync(statsFile)) fail(`${statsFile} is missing: the build must run with "statsJson": true`);

const html = readFileSync(indexHtml, 'utf8');
const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
const roots = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]).filter((src) => !/^[a-z]+:\/\//i.test(src));
if (roots.length === 0) fail('index.html loads no script: cannot measure the initial JavaScript');

/** The initial JS: every root script and, transitively, what it imports statically (not `import()`). */
const initial = new Set();
const pending = [...roots];
while (pending.length) {
  const file = pending.pop().replace(/^\.?\//, '');
  if (initial.has(file)) continue;
  initial.add(file);
  const output = stats.outputs[file];
  if (!output) fail(`${file} is loaded by index.html but missing from stats.json`);
  for (const imported of output.imports ?? []) {
    if (imported.kind === 'import-statement' && imported.path.endsWith('.js')) pending.push(imported.path);
  }
}

let total = 0;
const rows = [];
for (const file of [...initial].sort()) {
  const bytes = gzipSync(readFileSync(path.join(browserDir, file))).length;
  total += bytes;
  rows.push(`  ${file}  ${(bytes / 1024).toFixed(1)} KB gzip`);
}
const summary = `initial JavaScript ${(total / 1024).toFixed(1)} KB gzip (budget ${maxKb} KB) in ${initial.size} file(s):\n${rows.join('\n')}`;
if (total > maxKb * 1024) fail(`over budget: ${summary}`);
process.stdout.write(`check-bundle-size: ${summary}\n`);
