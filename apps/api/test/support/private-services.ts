import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './api-process';

/**
 * PostgreSQL and Redis servers of a test's own, on free ports, for the tests that stop, kill or restart
 * them. The machine's shared 127.0.0.1:5432 and :6379 are never touched: other test runs use them.
 *
 * Missing binaries make these helpers throw (the test fails; it never skips). Everything started is
 * stopped and deleted by `dispose()`, and also, as a last resort, when the test process exits.
 */

const started = new Set<{ kill(): void }>();
process.once('exit', () => started.forEach((service) => service.kill()));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A private `redis-server` child process (no persistence). */
export interface PrivateRedis {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Kills the server (SIGKILL: like a crash, nothing flushed); resolves when it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence); resolves when it answers PING. */
  start(): Promise<void>;
  /**
   * Stops the server (SIGSTOP) without ending it: a Redis that hangs. The kernel still completes TCP connects
   * into its backlog and takes what clients send, and nothing answers; connections stay open. {@link resume}
   * ends it (call it in `afterAll` too: a paused server is ended only by {@link kill} or {@link dispose}).
   */
  pause(): void;
  /** Lets a {@link pause}d server run again (SIGCONT): it then answers what was sent meanwhile. Nothing when it is not running. */
  resume(): void;
  /** Stops it for good (SIGKILL, which ends a paused server too). Safe to call twice. */
  dispose(): Promise<void>;
}

/** Starts a private Redis on a free port. @throws when `redis-server` is not installed. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = which('redis-server');
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const entry = { kill: () => child?.kill('SIGKILL') };
  started.add(entry);

  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  };
  const start = async () => {
    if (child) throw new Error('private Redis already running');
    output = '';
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!/Ready to accept connections/.test(output)) {
      if (child.exitCode !== null) throw new Error(`private redis-server exited: ${output}`);
      if (Date.now() > deadline) throw new Error(`private redis-server not ready: ${output}`);
      await sleep(20);
    }
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: stop,
    start,
    pause: () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error('private Redis is not running');
      child.kill('SIGSTOP');
    },
    resume: () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
    },
    dispose: async () => {
      await stop();
      started.delete(entry);
    },
  };
}

/** A private PostgreSQL cluster (initdb in a temporary folder), run by `pg_ctl`. */
export interface PrivatePostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** `pg_ctl stop` (`fast`: ends sessions, like a restart; `immediate`: like a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl start`; resolves when it accepts connections. */
  start(): Promise<void>;
  /**
   * Stops the postmaster (SIGSTOP) without ending it: a server that hangs. The kernel still completes TCP
   * connects into its backlog, and nothing answers them; sessions already open go on. {@link resume} ends it.
   */
  pause(): void;
  /** Lets a {@link pause}d postmaster run again (SIGCONT); nothing when the server is stopped. */
  resume(): void;
  /** A connected `pg` client on `database` (the caller ends it). */
  client(database: string): Promise<Client>;
  /** Stops the server and deletes the cluster. Safe to call twice. */
  dispose(): Promise<void>;
}

/** The newest installed PostgreSQL server's bin folder. @throws when none is installed. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root} (apt-get install postgresql)`);
  return path.join(root, versions[0], 'bin');
}

/**
 * Creates a cluster in a temporary folder and starts it on a free port (trust auth, user `postgres`,
 * no fsync: a test cluster). As root, the server runs as the `postgres` OS user (initdb refuses root).
 * @throws when PostgreSQL is not installed.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const root = mkdtempSync(path.join(os.tmpdir(), 'parley-pg-'));
  const data = path.join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(root, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const run = async (tool: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
    try {
      await promisify(execFile)(command, argv, { timeout: 60_000 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${tool} ${args[0]}: ${e.stderr || e.message}`);
    }
  };
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    running = false;
    await run('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '30']);
  };
  const start = async () => {
    await run('pg_ctl', ['start', '-D', data, '-o', options, '-l', path.join(root, 'server.log'), '-w', '-t', '30']);
    running = true;
  };
  const postmaster = () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const entry = {
    // Last resort at process exit (synchronous): kill the postmaster named in its pid file, delete the folder.
    kill: () => {
      try {
        const pid = postmaster();
        if (pid > 0) process.kill(pid, 'SIGCONT'); // a paused one would not act on SIGQUIT
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // not running
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  started.add(entry);
  try {
    await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await start();
  } catch (error) {
    entry.kill();
    started.delete(entry);
    throw error;
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    stop,
    start,
    pause: () => process.kill(postmaster(), 'SIGSTOP'),
    resume: () => void (running && process.kill(postmaster(), 'SIGCONT')),
    client: async (database) => {
      const client = new Client({ connectionString: url(database) });
      await client.connect();
      return client;
    },
    dispose: async () => {
      if (!started.has(entry)) return;
      try {
        await stop('immediate');
      } finally {
        rmSync(root, { recursive: true, force: true });
        started.delete(entry);
      }
    },
  };
}

function which(binary: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/usr/local/bin'])) {
    const candidate = path.join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${binary} not found on PATH (apt-get install redis-server)`);
}
