#!/usr/bin/env node
// `npm start`: builds whatever is missing (API, console, widget), then runs the API, which creates the
// database if absent, applies migrations, seeds a demo operator when none exists and serves everything.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const clients = ['api', 'operator-angular', 'widget'].filter((p) => existsSync(`apps/${p}/project.json`));
execFileSync('node', ['tools/ensure-built.mjs', ...clients], { stdio: 'inherit' });
const api = spawn('node', ['dist/apps/api/apps/api/src/main.js'], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => api.kill(signal));
api.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
