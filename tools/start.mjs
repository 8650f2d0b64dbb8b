#!/usr/bin/env node
// `npm start`: builds whatever is missing (API, console, widget), then runs the API, which creates the
// database if absent, applies migrations, seeds a demo operator when none exists and serves everything.
// `npm run worker` (`start.mjs worker`): builds the API if missing, then runs the notification worker.
//
// The API (the worker) runs in this process, not in a child, and npm's script execs this process (`exec
// node …`: dash, Debian's sh, would otherwise stay between npm and node, and die of the SIGTERM npm passes
// on, leaving the API running without a parent). So every signal for `npm start` reaches the API itself:
// the one npm passes on from a `kill` of npm, and Ctrl-C, which the terminal sends to the whole process
// group. A copy that npm passes on as well is taken as the same signal (lifecycle/exit-on-signals.ts,
// DUPLICATE_SIGNAL_MS).
//
// While a build runs, a SIGINT or SIGTERM is passed on to the whole build (npx, nx and the processes it
// starts, in a process group of their own), and this process then ends by the same signal.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SIGNALS = ['SIGINT', 'SIGTERM'];

/**
 * Runs tools/ensure-built.mjs for `projects`. Exits with the build's code when it fails (1 when a signal not
 * passed on from here ended it), and by the signal when a SIGINT or SIGTERM came meanwhile.
 */
async function ensureBuilt(projects) {
  // No terminal input: the build's group is not the terminal's foreground group, and would be stopped reading it.
  const build = spawn(process.execPath, ['tools/ensure-built.mjs', ...projects], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  let stoppedBy;
  const passOn = (signal) => {
    stoppedBy = signal;
    try {
      process.kill(-build.pid, signal);
    } catch (error) {
      if (error.code !== 'ESRCH') throw error; // ESRCH: the build has just ended
    }
  };
  for (const signal of SIGNALS) process.on(signal, passOn);
  const [code] = await once(build, 'exit');
  for (const signal of SIGNALS) process.off(signal, passOn);
  if (stoppedBy) process.kill(process.pid, stoppedBy); // no handler is left: the default one ends this process
  if (code !== 0) process.exit(code ?? 1);
}

const worker = process.argv[2] === 'worker';
await ensureBuilt(worker ? ['api'] : ['api', 'operator-angular', 'widget'].filter((p) => existsSync(`apps/${p}/project.json`)));
await import(pathToFileURL(path.resolve(`dist/apps/api/apps/api/src/${worker ? 'worker' : 'main'}.js`)).href);
