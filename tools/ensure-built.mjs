#!/usr/bin/env node
// Builds the named Nx projects when their output is missing (used by `npm start` and the CLIs).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const outputs = {
  api: 'dist/apps/api/apps/api/src/main.js',
  'operator-angular': 'dist/apps/operator-angular/browser/index.html',
  widget: 'dist/apps/widget/widget.js',
};
const missing = process.argv.slice(2).filter((p) => outputs[p] && !existsSync(outputs[p]));
if (missing.length) {
  process.stdout.write(`Building ${missing.join(', ')} (first run)…\n`);
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', missing.join(','), '--outputStyle=static'], { stdio: 'inherit' });
}
