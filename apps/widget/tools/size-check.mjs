#!/usr/bin/env node
// Size budgets of the widget (issue 4). The build runs this check and fails above a budget; it can also be
// run alone: `node apps/widget/tools/size-check.mjs [dir]` (default dist/apps/widget), exit code 1 when over.
//   - widget.js as first loaded (the launcher only): at most 10 KB gzip;
//   - everything loaded after the visitor opens the chat (every other top-level .js file): at most 40 KB gzip;
//   - the `graphql` package must not be bundled (query strings are sent as they are).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Budget of widget.js, gzip bytes. */
export const LAUNCHER_BUDGET = 10 * 1024;
/** Budget of everything loaded on open, gzip bytes in total. */
export const LAZY_BUDGET = 40 * 1024;

/** Gzip size at level 9 (what a compressing server sends at best), bytes. */
export function gzipSize(content) {
  return gzipSync(content, { level: 9 }).length;
}

/**
 * Measures `dir`: widget.js is the launcher, every other top-level `.js` file is loaded on open.
 * `build-info.json`, when present, lists the source files bundled into the lazy part (`lazyInputs`).
 */
export function measure(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  if (!files.includes('widget.js')) throw new Error(`${dir}/widget.js is missing: build the widget first`);
  const lazy = {};
  for (const file of files.filter((f) => f !== 'widget.js')) lazy[file] = gzipSize(readFileSync(path.join(dir, file)));
  const infoFile = path.join(dir, 'build-info.json');
  const info = existsSync(infoFile) ? JSON.parse(readFileSync(infoFile, 'utf8')) : {};
  return { launcher: gzipSize(readFileSync(path.join(dir, 'widget.js'))), lazy, lazyInputs: info.lazyInputs ?? [] };
}

/** Checks measured sizes against the budgets: `{ ok, lines }`, one line per budget and per problem. */
export function checkBudgets(sizes) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const lazyFiles = Object.keys(sizes.lazy);
  const lazyTotal = Object.values(sizes.lazy).reduce((a, b) => a + b, 0);
  const launcherOk = sizes.launcher <= LAUNCHER_BUDGET;
  const lazyOk = lazyFiles.length > 0 && lazyTotal <= LAZY_BUDGET;
  const lines = [
    `${launcherOk ? 'ok  ' : 'FAIL'} widget.js (launcher, first load): ${kb(sizes.launcher)} gzip, budget ${kb(LAUNCHER_BUDGET)}`,
    `${lazyOk ? 'ok  ' : 'FAIL'} loaded on open (${lazyFiles.join(', ') || 'no file found'}): ${kb(lazyTotal)} gzip, budget ${kb(LAZY_BUDGET)}`,
  ];
  const graphql = (sizes.lazyInputs ?? []).filter((f) => /node_modules\/graphql\//.test(f));
  if (graphql.length) lines.push(`FAIL the graphql package is bundled (${graphql[0]} …): send query strings instead`);
  return { ok: launcherOk && lazyOk && graphql.length === 0, lines };
}

/** Prints the check and returns the exit code. */
export function report(sizes, out = process.stdout, err = process.stderr) {
  const { ok, lines } = checkBudgets(sizes);
  out.write(`Widget size budgets:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  if (!ok) err.write('The widget exceeds its size budget (issue 4: launcher ≤ 10 KB, on open ≤ 40 KB, gzip).\n');
  return ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'dist/apps/widget'));
  process.exit(report(measure(dir)));
}
