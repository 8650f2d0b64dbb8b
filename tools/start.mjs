#!/usr/bin/env node
// `npm start`: builds whatever is missing (API, console, widget), then runs the API, which creates the
// database if absent, applies migrations, seeds a demo operator when none exists and serves everything.
// The API runs in this process, not in a child: every signal for `npm start` (Ctrl-C reaches the whole
// process group) reaches the API itself, with no copy to forward. A copy that npm forwards anyway is
// taken as the same signal (lifecycle/exit-on-signals.ts, DUPLICATE_SIGNAL_MS).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const clients = ['api', 'operator-angular', 'widget'].filter((p) => existsSync(`apps/${p}/project.json`));
execFileSync('node', ['tools/ensure-built.mjs', ...clients], { stdio: 'inherit' });
await import(pathToFileURL(path.resolve('dist/apps/api/apps/api/src/main.js')).href);
