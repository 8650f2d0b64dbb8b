import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'dist/apps/api/apps/api/src/main.js');
const OPERATORS_CLI = path.join(ROOT, 'dist/apps/api/apps/api/src/operators/cli/operators-cli.js');

/** The e2e tests' own database; created and migrated by the API itself on start, as `npm start` does. */
export const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_e2e';

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

/** A running API process (the built `main.js`), serving /graphql, /console, /widget.js and /demo. */
export interface ApiProcess {
  url: string;
  wsUrl: string;
  port: number;
  env: Record<string, string>;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Stops and starts again on the same port with the same data (for reconnect tests). */
  restart(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`API not ready after 30 s:\n${log()}`);
}

/**
 * Starts the built API as a child process on a free port with its own Redis prefix.
 * @throws Error when `npm run build` was not run (no `dist/apps/api`).
 */
export async function startApi(extraEnv: Record<string, string> = {}): Promise<ApiProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: E2E_DATABASE_URL,
    REDIS_PREFIX: `parley-e2e-${randomUUID().slice(0, 8)}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    STATIC_DIR: path.join(ROOT, 'dist/apps'),
    // The message writer opens all its connections at start; a few serve a browser test.
    MESSAGE_WRITER_CONNECTIONS: '4',
    ...extraEnv,
  };
  let child!: ChildProcess;
  let log = '';
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitReady(url, child, () => log);
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    env,
    output: () => log,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

/** Creates an operator with the real CLI (`npm run operator:create`) against the API's database. */
export async function createOperator(api: ApiProcess, fields: { email?: string; name: string; password?: string }) {
  const email = fields.email ?? `op-${randomUUID().slice(0, 8)}@example.test`;
  const password = fields.password ?? 'correct horse battery';
  await promisify(execFile)(process.execPath, [OPERATORS_CLI, 'create', '--email', email, '--name', fields.name, '--password', password], {
    cwd: ROOT,
    env: { ...process.env, ...api.env },
  });
  return { email, password, name: fields.name };
}
