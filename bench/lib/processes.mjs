// Starting and measuring the processes of a benchmark run: API instances, baseline servers, nginx.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareLocalNginx } from '../../deploy/nginx/local-nginx.cjs';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** A free TCP port on 127.0.0.1 (never 3000: the OS hands out ephemeral ports). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200; throws after `timeoutMs` with the process's last output. */
export async function waitHttpOk(url, child, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`${child.label} exited (${child.exitCode}): ${child.tail()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms: ${child?.tail() ?? ''}`);
    await sleep(100);
  }
}

/** Spawns a long-running process, keeping the tail of its output for error messages. */
export function launch(label, command, args, env, cwd = root) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.label = label;
  child.tail = () => tail;
  child.stop = () => stop(child);
  return child;
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
export function stop(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Starts one Parley API instance from the build output and waits for `/readyz`. `BENCH_API_ROOT` runs
 * the build of another checkout (e.g. a `git worktree` of an older commit, for before/after figures).
 */
export async function startParley({ port, databaseUrl, redisPrefix, secret, nodeArgs = [], label = 'parley' }) {
  const apiRoot = path.resolve(process.env.BENCH_API_ROOT ?? root);
  const child = launch(label, process.execPath, [...nodeArgs, path.join(apiRoot, 'dist/apps/api/apps/api/src/main.js')], {
    NODE_ENV: 'production', // as deploy/Dockerfile runs it (graphql-js, Express and Nest skip development checks)
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: secret,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    // Node options for the API processes alone (a preload, a heap flag), where NODE_OPTIONS would reach the generator too.
    NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? '',
    RUN_WORKERS: 'false',
    // The benchmark is thousands of clients on one IP at rates no person types: lift the abuse limits
    // (they stay on, counted in Redis, so their cost is measured).
    RATE_LIMIT_VISITORS_PER_MINUTE: '1000000',
    RATE_LIMIT_SESSIONS_PER_MINUTE: '1000000',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '1000000',
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '100000',
    WS_MAX_SOCKETS_PER_IP: '1000000',
  }, apiRoot);
  await waitHttpOk(`http://127.0.0.1:${port}/readyz`, child, 60000);
  return child;
}

/** Starts one baseline Socket.IO server and waits for it. */
export async function startBaseline({ port, databaseUrl, redisPrefix, secret, nodeArgs = [], label = 'baseline' }) {
  const child = launch(label, process.execPath, [...nodeArgs, 'bench/baseline/server.mjs'], {
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: secret,
  });
  await waitHttpOk(`http://127.0.0.1:${port}/healthz`, child);
  return child;
}

/**
 * nginx in front of `upstreams` (["127.0.0.1:port", …]) with deploy/nginx/parley.conf
 * (`prepareLocalNginx`): one worker, so round-robin alternates exactly, with room for scenario (d)'s sockets.
 */
export async function startNginx({ port, upstreams }) {
  const { binary, args } = prepareLocalNginx({ port, upstreams, workerConnections: 32768 });
  const child = launch('nginx', binary, args, {});
  await waitHttpOk(`http://127.0.0.1:${port}/healthz`, child, 15000);
  return child;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU ticks (user + system) and RSS in bytes of one process, or undefined when it is gone. */
export function procSample(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = Number(fields[21]) * 4096;
    return { ticks, rss };
  } catch {
    return undefined;
  }
}

/** Pids of every process whose command name is one of `names` (e.g. postgres, redis-server). */
export function pidsNamed(names) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.some((n) => comm.startsWith(n))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * Samples a group of processes; `cpuSince(earlier)` gives CPU % (100 = one core) over the interval.
 * Per process: one that appeared meanwhile (a new PostgreSQL backend) counts with all its time; one that
 * is gone by the later sample is missing from both ends, so it does not skew the difference.
 */
export function sampleGroup(pids) {
  const at = performance.now();
  const byPid = new Map();
  for (const pid of pids) {
    const sample = procSample(pid);
    if (sample) byPid.set(pid, sample);
  }
  const values = [...byPid.values()];
  return {
    at,
    byPid,
    ticks: values.reduce((s, x) => s + x.ticks, 0),
    rss: values.reduce((s, x) => s + x.rss, 0),
    cpuSince(earlier) {
      const seconds = (at - earlier.at) / 1000;
      let ticks = 0;
      for (const [pid, sample] of byPid) ticks += sample.ticks - (earlier.byPid.get(pid)?.ticks ?? 0);
      return Math.round((ticks / TICKS / seconds) * 1000) / 10;
    },
  };
}
