import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** Where `npx nx run api:build` puts the API's entry points. */
const BUILT = path.resolve(__dirname, '../../../../dist/apps/api/apps/api/src');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A real child process running a built entry point (`main.js` or `worker.js`), its output collected. */
export interface Child {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resident set size of the process now, in bytes (from /proc). */
  rssBytes(): number;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The built API as a child process, with its URLs. */
export interface ApiChild extends Child {
  url: string;
  wsUrl: string;
}

function spawnBuilt(entry: 'main.js' | 'worker.js', env: Record<string, string>): Child {
  const file = path.join(BUILT, entry);
  if (!existsSync(file)) throw new Error(`${file} missing: run "npx nx run api:build" (npm test does)`);
  // The message writer opens all its connections at start; test files run up to three instances side by side.
  const child = spawn(process.execPath, [file], { env: { ...process.env, LOG_LEVEL: 'warn', MESSAGE_WRITER_CONNECTIONS: '4', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `ready` every 100 ms for up to 30 s; fails at once if the process exits. */
async function waitUntil(child: Child, what: string, ready: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.child.exitCode !== null) throw new Error(`${what} exited (${child.child.exitCode}): ${child.output()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await child.stop('SIGKILL');
  throw new Error(`${what} not ready: ${child.output()}`);
}

/** Starts the built API (`main.js`) on a free port with `env` and resolves once `/readyz` answers 200. */
export async function startApiChild(env: Record<string, string>): Promise<ApiChild> {
  const port = await freePort();
  const api = spawnBuilt('main.js', { HOST: '127.0.0.1', ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(api, 'API', async () => {
    try {
      return (await fetch(`${url}/readyz`)).ok;
    } catch {
      return false; // not yet listening
    }
  });
  return { ...api, url, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

/** Starts the built worker (`worker.js`, i.e. `npm run worker`) and resolves once it says it is processing. */
export async function startWorkerChild(env: Record<string, string>): Promise<Child> {
  const worker = spawnBuilt('worker.js', { LOG_LEVEL: 'info', ...env });
  await waitUntil(worker, 'worker', () => worker.output().includes('Worker processing notification jobs'));
  return worker;
}
