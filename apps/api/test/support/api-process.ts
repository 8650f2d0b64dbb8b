import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../../dist/apps/api/apps/api/src/main.js');

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

/** The built API (`dist/…/main.js`) as a real child process. */
export interface ApiChild {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  output(): string;
  /** Resident set size of the process now, in bytes (from /proc). */
  rssBytes(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the built API with `env` (plus a free port) and waits for `/readyz`. */
export async function startApiChild(env: Record<string, string>): Promise<ApiChild> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run "npx nx run api:build" (npm test does)`);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited (${child.exitCode}): ${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`API not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    output: () => output,
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
