#!/usr/bin/env node
// `npm run bench`: Parley beside the classic Socket.IO design, same machine, same generator, same rates.
// Scenarios (a)–(e) of issue 7, each on fresh processes and a fresh database; prints a table with the
// Parley/baseline ratios and writes a JSON file. Localhost only; every loop is bounded; stops by itself.
// Options: USAGE below (`node bench/run.mjs --help`).
import { execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import pg from 'pg';
import { freePort, pidsNamed, root, sampleGroup, startBaseline, startNginx, startParley } from './lib/processes.mjs';
import { medianReport, printTable } from './lib/report.mjs';
import { profiles } from './scenarios.mjs';

const USAGE = `usage: node bench/run.mjs [--quick] [--only a,b,c,d,e] [--systems parley,baseline] [--runs N]
                        [--out FILE] [--no-build] [--cpu-prof DIR]
       node bench/run.mjs --report FILE   (the table of an earlier run)`;
/** Stops before anything starts: what is wrong with the options, then the usage. */
function refuse(message) {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}
let parsed;
try {
  // strict: a mistyped option stops here instead of starting a quarter-hour run with the defaults.
  parsed = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      systems: { type: 'string' },
      runs: { type: 'string' },
      out: { type: 'string' },
      'no-build': { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (error) {
  refuse(error.message);
}
if (parsed.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const profileName = parsed.quick ? 'quick' : 'full';
const profile = profiles[profileName];
const only = (parsed.only ?? 'c,a,b,e,d').split(',');
const systems = (parsed.systems ?? 'baseline,parley').split(',');
const runs = Number(parsed.runs ?? '1');
if (!Number.isInteger(runs) || runs < 1) refuse(`--runs: a whole number ≥ 1, not "${parsed.runs}"`);
for (const [name, given, known] of [['--only', only, 'abcde'.split('')], ['--systems', systems, ['parley', 'baseline']]]) {
  const unknown = given.filter((item) => !known.includes(item));
  if (unknown.length) refuse(`${name}: unknown ${unknown.join(', ')} (one or more of ${known.join(', ')})`);
}
const out = path.resolve(root, parsed.out ?? `bench/results/${profileName === 'quick' ? 'quick' : 'latest'}.json`);
const cpuProfDir = parsed['cpu-prof'];
// (b) runs on (a)'s sessions: asking for b runs a too.
const wants = (s) => only.includes(s) || (s === 'a' && only.includes('b'));

const SECRET = `bench-${randomUUID()}-${randomUUID()}`;
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB = { parley: 'parley_bench', baseline: 'parley_bench_baseline' };
const dbUrl = (system) => `${PG}/${DB[system]}`;
const OPERATOR_PASSWORD = 'bench operator password';

const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function admin(sql) {
  const client = new pg.Client({ connectionString: `${PG}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function query(system, sql, params = []) {
  const client = new pg.Client({ connectionString: dbUrl(system) });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Drops and recreates this benchmark's own databases (never any other). */
async function freshDatabase(system) {
  await admin(`DROP DATABASE IF EXISTS ${DB[system]} WITH (FORCE)`);
  // Parley creates and migrates its database on start; the baseline creates its tables.
  if (system === 'baseline') await admin(`CREATE DATABASE ${DB[system]}`);
}

let operatorHash;
/** Operator accounts for Parley, inserted directly (hashing once) so setup does not wait on Argon2 per account. */
async function seedOperators(count) {
  if (!operatorHash) {
    const { hash } = await import('@node-rs/argon2');
    operatorHash = await hash(OPERATOR_PASSWORD);
  }
  const rows = await query(
    'parley',
    `INSERT INTO operator (id, email, name, password_hash)
     SELECT gen_random_uuid(), 'bench-op-' || g || '@bench.test', 'Bench operator ' || g, $2 FROM generate_series(1, $1) g
     RETURNING id, email`,
    [count, operatorHash],
  );
  return rows.sort((a, b) => a.email.localeCompare(b.email, 'en', { numeric: true })).map((r) => ({ id: r.id, email: r.email, password: OPERATOR_PASSWORD }));
}

/** N idle widget sessions (ACTIVE, one stored message each), inserted in one statement. */
async function seedIdleSessions(system, count) {
  if (system === 'parley') {
    const [op] = await seedOperators(1);
    return query(
      'parley',
      `WITH v AS (INSERT INTO visitor (id, name) SELECT gen_random_uuid(), 'Idle visitor' FROM generate_series(1, $1) RETURNING id),
       s AS (INSERT INTO chat_session (id, visitor_id, operator_id, status, queued_at, accepted_at, last_seq)
             SELECT gen_random_uuid(), v.id, $2, 'ACTIVE', now(), now(), 1 FROM v RETURNING id, visitor_id),
       m AS (INSERT INTO message (id, session_id, seq, sender_role, content, client_message_id)
             SELECT gen_random_uuid(), s.id, 1, 'VISITOR', 'Hello', 'seed' FROM s)
       SELECT id AS "sessionId", visitor_id AS "visitorId" FROM s`,
      [count, op.id],
    );
  }
  return query(
    'baseline',
    `WITH v AS (INSERT INTO visitor (id, name) SELECT gen_random_uuid(), 'Idle visitor' FROM generate_series(1, $1) RETURNING id),
     s AS (INSERT INTO chat_session (id, visitor_id, operator_id, status) SELECT gen_random_uuid(), v.id, gen_random_uuid(), 'ACTIVE' FROM v
           RETURNING id, visitor_id),
     m AS (INSERT INTO message (session_id, sender_role, content, client_message_id) SELECT s.id, 'VISITOR', 'Hello', 'seed' FROM s)
     SELECT id AS "sessionId", visitor_id AS "visitorId" FROM s`,
    [count],
  );
}

/**
 * Fresh database, `instances` server processes (behind nginx when more than one), a generator process;
 * runs `body`, then stops everything it started.
 */
async function withStack(system, { instances = 1, operators = 0, gcOnSignal = false }, body) {
  await freshDatabase(system);
  const redisPrefix = `parley-bench-${system}-${randomUUID().slice(0, 8)}`;
  const servers = [];
  const started = [];
  let generator;
  try {
    for (let i = 0; i < instances; i++) {
      const port = await freePort();
      const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfDir), '-r', path.join(root, 'bench/lib/exit-on-signal.cjs')] : [];
      if (gcOnSignal) nodeArgs.push('--expose-gc', '-r', path.join(root, 'bench/lib/gc-on-signal.cjs'));
      const options = { port, databaseUrl: dbUrl(system), redisPrefix, secret: SECRET, nodeArgs, label: `${system}-${i + 1}` };
      const child = system === 'parley' ? await startParley(options) : await startBaseline(options);
      started.push(child);
      servers.push({ child, url: `http://127.0.0.1:${port}`, upstream: `127.0.0.1:${port}` });
    }
    let httpUrl = servers[0].url;
    let nginx;
    if (instances > 1) {
      const port = await freePort();
      nginx = await startNginx({ port, upstreams: servers.map((s) => s.upstream) });
      started.push(nginx);
      httpUrl = `http://127.0.0.1:${port}`;
    }
    const accounts = system === 'parley' && operators ? await seedOperators(operators) : [];
    generator = fork(path.join(root, 'bench/load/generator.mjs'), [
      JSON.stringify({ target: system, httpUrl, wsUrl: `${httpUrl.replace('http', 'ws')}/graphql`, secret: SECRET, operators: accounts }),
    ]);
    await new Promise((resolve, reject) => {
      generator.once('message', resolve);
      generator.once('exit', (code) => reject(new Error(`generator exited ${code}`)));
    });
    const serverPids = servers.map((s) => s.child.pid);
    const ctx = {
      system,
      serverPids,
      generator,
      nginxPids: nginx ? pidsNamed(['nginx']) : [],
      command: (cmd, params = {}, events = {}) => command(generator, cmd, params, events),
    };
    return await body(ctx);
  } finally {
    if (generator && generator.exitCode === null) {
      await command(generator, 'close').catch(() => {});
      generator.kill();
    }
    for (const child of started.reverse()) await child.stop();
    await clearRedisPrefix(redisPrefix);
  }
}

/** Deletes the keys a stack left under `prefix` in Redis (BullMQ's queue metadata never expires). */
async function clearRedisPrefix(prefix) {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) if (keys.length) await redis.unlink(...keys);
  } catch (error) {
    log(`could not clear Redis keys under ${prefix}: ${error.message}`);
  } finally {
    redis.disconnect();
  }
}

function command(generator, cmd, params = {}, events = {}) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.type === 'measure-start') events.start?.();
      else if (message.type === 'measure-end') events.end?.();
      else if (message.type === 'done' || message.type === 'failed') {
        generator.off('message', onMessage);
        generator.off('exit', onExit);
        if (message.type === 'done') resolve(message.result);
        else reject(new Error(`${cmd}: ${message.error}`));
      }
    };
    const onExit = (code) => reject(new Error(`generator exited (${code}) during ${cmd}`));
    generator.on('message', onMessage);
    generator.once('exit', onExit);
    generator.send({ cmd, ...params });
  });
}

const SUPPORT = ['postgres', 'redis-server'];
const mb = (bytes) => Math.round(bytes / 1e5) / 10;

/** Runs one fixed-rate window and adds the processes' CPU and memory over it. */
async function measuredRate(ctx, params, connections) {
  let before;
  let after;
  const groups = () => ({
    server: sampleGroup(ctx.serverPids),
    support: sampleGroup(pidsNamed(SUPPORT)),
    generator: sampleGroup([ctx.generator.pid]),
    nginx: sampleGroup(ctx.nginxPids),
  });
  const result = await ctx.command('rate', params, { start: () => (before = groups()), end: () => (after = groups()) });
  const cpu = Object.fromEntries(Object.keys(before).map((k) => [k, after[k].cpuSince(before[k])]));
  return {
    ...result,
    cpu: { server: cpu.server, postgresRedis: cpu.support, generator: cpu.generator, ...(ctx.nginxPids.length ? { nginx: cpu.nginx } : {}) },
    serverRssMb: mb(after.server.rss),
    rssPerConnectionKb: connections ? Math.round((after.server.rss - ctx.rssAtStart) / connections / 102.4) / 10 : undefined,
  };
}

/** (a), and (b) on the same sessions; (d) is (a) on two instances. */
async function chatScenarios(system, scenario, config, instances) {
  return withStack(system, { instances, operators: config.operators }, async (ctx) => {
    ctx.rssAtStart = sampleGroup(ctx.serverPids).rss;
    log(`${system} (${scenario}): ${config.sessions} sessions, ${config.operators} operators${instances > 1 ? ', 2 instances behind nginx' : ''}`);
    const setup = await ctx.command('chat-setup', { sessions: config.sessions, operators: config.operators, crossInstance: instances > 1, concurrency: 20 });
    log(`  set up in ${setup.setupMs} ms; ${config.rate} msg/s for ${config.measureMs / 1000} s`);
    const connections = config.sessions + config.operators;
    const fixed = await measuredRate(ctx, { rate: config.rate, warmupMs: config.warmupMs, measureMs: config.measureMs }, connections);
    log(`  p50 ${fixed.latency.p50} ms, p99 ${fixed.latency.p99} ms, ${fixed.errors} errors`);
    const results = { [scenario]: { setup, ...fixed } };
    if (scenario === 'a' && wants('b') && only.includes('b')) {
      const b = profile.b;
      const steps = [];
      let best = 0;
      for (let r = b.from; r <= b.to; r += b.step) {
        // A step passes when p99 < limit, no error and ≥ 97 % of the rate delivered; a failed step is run
        // once more (a neighbour's build on a shared machine can spoil one window), two failures end (b).
        let ok = false;
        for (let attempt = 1; attempt <= 2 && !ok; attempt++) {
          const step = await measuredRate(ctx, { rate: r, warmupMs: b.warmupMs, measureMs: b.measureMs }, connections);
          ok = step.latency.p99 !== null && step.latency.p99 < b.p99LimitMs && step.errors === 0 && step.deliveredPerSecond >= r * 0.97;
          steps.push({ ...step, attempt, ok });
          log(`  (b) ${r} msg/s: p99 ${step.latency.p99} ms, delivered ${step.deliveredPerSecond}/s, ${step.errors} errors ${ok ? 'ok' : 'FAILED'}`);
          if (!ok) await sleep(3000);
        }
        if (!ok) break;
        best = r;
        await sleep(1000);
      }
      const last = steps.filter((s) => s.ok).at(-1);
      results.b = { maxRate: best, p99AtMax: last?.latency.p99 ?? null, persistedPerSecondAtMax: last?.persistedPerSecond ?? 0, steps };
    }
    return results;
  });
}

/** Full GC in the servers (scenario c), then a sample of their memory. */
async function collectedSample(ctx) {
  for (let round = 0; round < 2; round++) {
    for (const pid of ctx.serverPids) process.kill(pid, 'SIGUSR2');
    await sleep(1000);
  }
  return sampleGroup(ctx.serverPids);
}

async function idleScenario(system, config) {
  return withStack(system, { gcOnSignal: true }, async (ctx) => {
    log(`${system} (c): ${config.connections} idle subscribed widget connections`);
    const seeded = await seedIdleSessions(system, config.connections);
    await sleep(2000);
    const before = await collectedSample(ctx);
    const opened = await ctx.command('idle-open', { seeded, concurrency: config.concurrency });
    await sleep(config.settleMs);
    const after = await collectedSample(ctx);
    await ctx.command('idle-close');
    const perConnectionKb = opened.opened ? Math.round((after.rss - before.rss) / opened.opened / 102.4) / 10 : null;
    log(`  ${opened.opened} open (${opened.failed} failed) in ${opened.ms} ms; ${perConnectionKb} KB RSS per connection`);
    return { c: { connections: opened.opened, failed: opened.failed, openMs: opened.ms, rssBeforeMb: mb(before.rss), rssAfterMb: mb(after.rss), rssPerConnectionKb: perConnectionKb, errors: opened.failed } };
  });
}

async function queueScenario(system, config) {
  return withStack(system, { operators: config.operators }, async (ctx) => {
    log(`${system} (e): ${config.visitors} visitors join at ${config.joinRate}/s, accepted at ${config.acceptRate}/s`);
    const result = await ctx.command('queue-churn', { ...config, concurrency: 20 });
    log(`  position push p50 ${result.positionPush.p50} ms, p99 ${result.positionPush.p99} ms, ${result.errors} errors`);
    return { e: result };
  });
}

function machine() {
  const cpus = os.cpus();
  let postgres = '';
  let redis = '';
  try {
    postgres = execFileSync('psql', [`${PG}/postgres`, '-Atc', 'show server_version'], { encoding: 'utf8' }).trim();
    redis = /redis_version:(\S+)/.exec(execFileSync('redis-cli', ['info', 'server'], { encoding: 'utf8' }))?.[1] ?? '';
  } catch {
    // informational only
  }
  return { cpu: `${cpus.length} × ${cpus[0]?.model}`, memoryGb: Math.round(os.totalmem() / 1e9), os: `${os.type()} ${os.release()}`, node: process.version, postgres, redis, nginx: '1.22', load: os.loadavg().map((l) => Math.round(l * 100) / 100) };
}

async function oneRun(index) {
  const run = { startedAt: new Date().toISOString(), loadAtStart: os.loadavg()[0], parley: {}, baseline: {} };
  const merge = (system, results) => Object.assign(run[system], results);
  for (const scenario of only.filter((s) => s !== 'b')) {
    for (const system of systems) {
      if (scenario === 'a') merge(system, await chatScenarios(system, 'a', profile.a, 1));
      if (scenario === 'c') merge(system, await idleScenario(system, profile.c));
      if (scenario === 'd') merge(system, await chatScenarios(system, 'd', profile.d, 2));
      if (scenario === 'e') merge(system, await queueScenario(system, profile.e));
    }
  }
  if (only.includes('b') && !only.includes('a')) {
    for (const system of systems) merge(system, await chatScenarios(system, 'a', profile.a, 1));
  }
  run.loadAtEnd = os.loadavg()[0];
  log(`run ${index + 1}/${runs} done`);
  return run;
}

async function main() {
  if (parsed.report) {
    // Re-print the table of an earlier run's JSON (e.g. after the table's rows changed).
    const report = JSON.parse(readFileSync(path.resolve(parsed.report), 'utf8'));
    report.summary = medianReport(report.runs);
    printTable(report);
    return;
  }
  if (!parsed['no-build']) {
    log('building the API (nx cache makes this quick when nothing changed)');
    execFileSync('npx', ['nx', 'run', 'api:build', '--outputStyle=static'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!process.env.BENCH_API_ROOT) {
    // Run a private copy of the build: a build in the shared work tree during the benchmark (another
    // developer's `npm test`) must not change the code under measurement between scenarios.
    const copy = path.join(root, 'tmp', `bench-api-${process.pid}`);
    rmSync(copy, { recursive: true, force: true });
    cpSync(path.join(root, 'dist/apps/api'), path.join(copy, 'dist/apps/api'), { recursive: true });
    process.env.BENCH_API_ROOT = copy;
    process.on('exit', () => rmSync(copy, { recursive: true, force: true }));
  }
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  if (wants('c') && limit < profile.c.connections + 1000) {
    log(`open-file limit ${limit} is too low for ${profile.c.connections} connections: run \`ulimit -n 65536\` first`);
    process.exit(2);
  }
  const report = { profile: profileName, scenarios: profile, machine: machine(), date: new Date().toISOString(), runs: [] };
  for (let i = 0; i < runs; i++) report.runs.push(await oneRun(i));
  report.summary = medianReport(report.runs);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  printTable(report);
  process.stdout.write(`\nJSON: ${path.relative(root, out)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
