import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where `npx nx run api:build` puts the API's entry points. */
const BUILT = path.resolve(__dirname, '../../../../dist/apps/api/apps/api/src');

/** A real child process running a built entry point, with its stdout and stderr collected. */
export interface Child {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function spawnBuilt(entry: 'main.js' | 'worker.js', env: Record<string, string>): Child {
  const file = path.join(BUILT, entry);
  if (!existsSync(file)) throw new Error(`${file} missing: run "npx nx run api:build" (npm test does)`);
  const child = spawn(process.execPath, [file], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitUntil(child: Child, what: string, ready: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.child.exitCode !== null) throw new Error(`${what} exited: ${child.output()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await child.stop('SIGKILL');
  throw new Error(`${what} not ready: ${child.output()}`);
}

/** Starts the built API (`main.js`) on a random port and resolves once `/readyz` answers 200. */
export async function startChildApi(env: Record<string, string>): Promise<Child & { url: string; wsUrl: string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const api = spawnBuilt('main.js', { ...env, PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(api, 'child API', async () => {
    try {
      return (await fetch(`${url}/readyz`)).ok;
    } catch {
      return false; // not yet listening
    }
  });
  return { ...api, url, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

/** Starts the built worker (`worker.js`, i.e. `npm run worker`) and resolves once it says it is processing. */
export async function startChildWorker(env: Record<string, string>): Promise<Child> {
  const worker = spawnBuilt('worker.js', { LOG_LEVEL: 'info', ...env });
  await waitUntil(worker, 'worker', () => worker.output().includes('Worker processing notification jobs'));
  return worker;
}
