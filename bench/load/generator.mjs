// The load generator: a separate process (forked by bench/run.mjs) that drives one system, Parley or
// the baseline, through the same steps and measures what a user would feel. Commands arrive over IPC;
// each answers `{ type: 'done', result }` (or `{ type: 'failed', error }`). Every loop is bounded.
//
// Latency of a message = from the moment its send is issued (sendMessage / message:send) to the moment
// the *other* side of the chat session receives it (MessageCreated / message:new).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BaselineTarget } from './baseline-target.mjs';
import { latencyHistogram, recordMs, summary } from './histogram.mjs';
import { ParleyTarget } from './parley-target.mjs';

const options = JSON.parse(process.argv[2]);
let disconnects = 0;
const hooks = { onClosed: () => disconnects++ };
const target = options.target === 'parley' ? new ParleyTarget(options, hooks) : new BaselineTarget(options, hooks);

const send = (message) => process.send(message);
const now = () => performance.now();

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
async function pool(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Resolves when `predicate()` holds, polling; false after `timeoutMs`. */
async function until(predicate, timeoutMs) {
  const deadline = now() + timeoutMs;
  while (!predicate()) {
    if (now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Active chat sessions (scenarios a, b, d)

/** @type {Array<{ id: string, visitor: any, operator: any, next: 'VISITOR' | 'OPERATOR' }>} */
const sessions = [];
const operators = [];
/** clientMessageId number → { t0, to, measured } */
const pending = new Map();
/** cmid * 2 + (receiver is operator): what each side already received (duplicate detection). */
const received = new Set();
let counter = 0;
let stats = freshStats();

function freshStats() {
  return { sent: 0, acked: 0, sendErrors: 0, delivered: 0, duplicates: 0, gaps: 0, subscriptionErrors: 0, latency: latencyHistogram(), ack: latencyHistogram(), outstanding: 0 };
}

/** Handlers for one side's subscription to one session: checks order, records latency. */
function receiver(role) {
  let lastSeq = 0;
  let replayed = false;
  const handlers = {
    live: undefined,
    /** Called by targets that know when a subscription is live without an event (the baseline's join ack). */
    subscribed() {
      if (!replayed) {
        replayed = true;
        handlers.live?.();
      }
    },
    message(message) {
      if (message.seq !== undefined) {
        if (message.seq > lastSeq + 1) stats.gaps++;
        lastSeq = Math.max(lastSeq, message.seq);
      }
      if (!replayed) {
        replayed = true;
        handlers.live?.();
      }
      const cmid = message.clientMessageId;
      if (!cmid || cmid[0] !== 'b') return;
      const n = Number(cmid.slice(1));
      const key = n * 2 + (role === 'OPERATOR' ? 1 : 0);
      if (received.has(key)) {
        stats.duplicates++;
        return;
      }
      received.add(key);
      const entry = pending.get(n);
      if (entry && entry.to === role) {
        pending.delete(n);
        if (entry.measured) {
          recordMs(stats.latency, now() - entry.t0);
          stats.delivered++;
          stats.outstanding--;
        }
      }
    },
    position() {
      if (!replayed) {
        replayed = true;
        handlers.live?.();
      }
    },
    error() {
      stats.subscriptionErrors++;
    },
  };
  return handlers;
}

/** Subscribes and resolves once the subscription has shown it is live (first replayed or live event). */
function subscribeLive(connection, sessionId, role) {
  const handlers = receiver(role);
  const live = new Promise((resolve, reject) => {
    handlers.live = resolve;
    const failed = handlers.error;
    handlers.error = (error) => {
      failed(error);
      reject(error);
    };
  });
  target.subscribe(connection, sessionId, 0, handlers);
  return live;
}

async function chatSetup({ sessions: count, operators: operatorCount, crossInstance, concurrency }) {
  const started = now();
  for (let i = 0; i < operatorCount; i++) {
    let operator = await target.operator(i);
    // Round-robin also counts the HTTP requests (login, createVisitor), so every socket of one kind may
    // land on the same instance: with two instances, shift the rotation until the operators are split.
    for (let tries = 0; crossInstance && tries < 10 && operators.filter((o) => o.instance === operator.instance).length >= operatorCount / 2; tries++) {
      await operator.dispose();
      await fetch(`${options.httpUrl}/healthz`).catch(() => {});
      operator = await target.operator(i);
    }
    operators.push(operator);
  }
  const byInstance = new Map();
  for (const op of operators) byInstance.set(op.instance, [...(byInstance.get(op.instance) ?? []), op]);
  if (crossInstance && byInstance.size < 2) throw new Error(`operators landed on ${byInstance.size} instance(s), expected 2`);
  let nextOperator = 0;
  let crossed = 0;
  await pool(count, concurrency, async (i) => {
    const visitor = await target.visitor(i);
    const { id } = await target.startSession(visitor);
    await subscribeLive(visitor, id, 'VISITOR'); // live once it has its queue position
    const candidates = crossInstance ? operators.filter((op) => op.instance !== visitor.instance) : operators;
    const operator = candidates[nextOperator++ % candidates.length];
    if (operator.instance !== visitor.instance) crossed++;
    await target.accept(operator, id);
    await subscribeLive(operator, id, 'OPERATOR'); // live once the join line is replayed
    sessions.push({ id, visitor, operator, next: 'VISITOR' });
  });
  const instances = [...byInstance.keys()];
  return { sessions: sessions.length, operators: operators.length, instances, crossInstanceSessions: crossed, setupMs: Math.round(now() - started) };
}

function sendOne(measured) {
  const session = sessions[counter % sessions.length];
  const n = ++counter;
  const from = session.next;
  session.next = from === 'VISITOR' ? 'OPERATOR' : 'VISITOR';
  const connection = from === 'VISITOR' ? session.visitor : session.operator;
  const t0 = now();
  pending.set(n, { t0, to: from === 'VISITOR' ? 'OPERATOR' : 'VISITOR', measured });
  if (measured) {
    stats.sent++;
    stats.outstanding++;
  }
  target.send(connection, session.id, `Benchmark message ${n} from the ${from.toLowerCase()}`, `b${n}`).then(
    () => {
      if (!measured) return;
      stats.acked++;
      recordMs(stats.ack, now() - t0);
    },
    () => {
      if (!measured) return;
      stats.sendErrors++;
      if (pending.delete(n)) stats.outstanding--;
    },
  );
}

/**
 * Open-loop load: `rate` messages/s spread over every session, each session alternating visitor and
 * operator. Warm-up messages are not measured. After the window, waits up to `drainMs` for deliveries;
 * what is still missing then counts as lost.
 */
async function rate({ rate: perSecond, warmupMs, measureMs, drainMs = 10000 }) {
  stats = freshStats();
  const disconnectsBefore = disconnects;
  const start = now();
  let issued = 0;
  let measuring = false;
  let windowStart = 0;
  for (;;) {
    const elapsed = now() - start;
    if (elapsed >= warmupMs + measureMs) break;
    if (!measuring && elapsed >= warmupMs) {
      measuring = true;
      windowStart = now();
      send({ type: 'measure-start' });
    }
    const due = Math.floor((perSecond * elapsed) / 1000) - issued;
    for (let k = 0; k < due; k++) sendOne(measuring);
    issued += Math.max(0, due);
    await sleep(2);
  }
  const windowSeconds = (now() - windowStart) / 1000;
  send({ type: 'measure-end' });
  const deliveredInWindow = stats.delivered;
  const ackedInWindow = stats.acked;
  await until(() => stats.outstanding <= 0, drainMs);
  for (const [n, entry] of pending) if (!entry.measured) pending.delete(n);
  const lost = Math.max(0, stats.outstanding);
  pending.clear();
  stats.outstanding = 0;
  return {
    rate: perSecond,
    seconds: Math.round(windowSeconds * 10) / 10,
    sent: stats.sent,
    persistedPerSecond: Math.round(ackedInWindow / windowSeconds),
    deliveredPerSecond: Math.round(deliveredInWindow / windowSeconds),
    latency: summary(stats.latency),
    ack: summary(stats.ack),
    errors: stats.sendErrors + lost + stats.subscriptionErrors + (disconnects - disconnectsBefore),
    sendErrors: stats.sendErrors,
    lost,
    duplicates: stats.duplicates,
    gaps: stats.gaps,
    disconnects: disconnects - disconnectsBefore,
  };
}

// ---------------------------------------------------------------------------------------------------
// Idle widgets (scenario c)

const idle = [];

/** Opens one connection per seeded session and subscribes as a reopening widget does. */
async function idleOpen({ seeded, concurrency }) {
  const started = now();
  let failed = 0;
  await pool(seeded.length, concurrency, async (i) => {
    try {
      const connection = await target.seededVisitor(seeded[i].visitorId);
      idle.push(connection);
      await subscribeLive(connection, seeded[i].sessionId, 'VISITOR'); // the seeded message is replayed
    } catch {
      failed++;
    }
  });
  return { opened: idle.length, failed, ms: Math.round(now() - started) };
}

async function idleClose() {
  await Promise.all(idle.splice(0).map((c) => c.dispose()));
  return { closed: true };
}

// ---------------------------------------------------------------------------------------------------
// Queue churn (scenario e)

/**
 * `visitors` join the waiting queue at `joinRate`/s, then `operators` accept them head first at
 * `acceptRate`/s. Measures the join and accept round trips and, for every waiting visitor and every
 * accept ahead of it, the time from that accept being issued to the visitor seeing its new position.
 */
async function queueChurn({ visitors: count, operators: operatorCount, joinRate, acceptRate, concurrency }) {
  const ops = [];
  for (let i = 0; i < operatorCount; i++) ops.push(await target.operator(i));
  const people = [];
  await pool(count, concurrency, async (i) => {
    people[i] = { connection: await target.visitor(i) };
  });
  const join = latencyHistogram();
  const acceptLatency = latencyHistogram();
  const push = latencyHistogram();
  const acceptIssued = [];
  let positionEvents = 0;
  let positionWentUp = 0;
  let errors = 0;
  let accepting = false;

  const joinStart = now();
  await Promise.all(
    people.map(async (person, i) => {
      await sleep((i * 1000) / joinRate);
      const t0 = now();
      try {
        const { id, position } = await target.startSession(person.connection);
        recordMs(join, now() - t0);
        Object.assign(person, { id, joinedAt: position, last: position, reflected: 0 });
        target.subscribe(person.connection, id, 0, {
          message: () => {},
          position: (p) => {
            positionEvents++;
            if (p > person.last) positionWentUp++;
            person.last = Math.min(person.last, p);
            if (!accepting || person.start === undefined) return;
            // Accepts 1..(start - p) are now visible to this visitor.
            const seen = person.start - person.last;
            const t = now();
            for (let k = person.reflected + 1; k <= seen; k++) if (acceptIssued[k - 1] !== undefined) recordMs(push, t - acceptIssued[k - 1]);
            person.reflected = Math.max(person.reflected, seen);
          },
          error: () => errors++,
        });
      } catch {
        errors++;
      }
    }),
  );
  const joinMs = now() - joinStart;
  // Let the last broadcasts land, then freeze each visitor's starting place.
  await sleep(2000);
  const queue = people.filter((p) => p.id).sort((a, b) => a.last - b.last);
  queue.forEach((p, index) => (p.start = index + 1));
  accepting = true;
  const acceptStart = now();
  await Promise.all(
    queue.map(async (person, k) => {
      await sleep((k * 1000) / acceptRate);
      acceptIssued[k] = now();
      try {
        await target.accept(ops[k % ops.length], person.id);
        recordMs(acceptLatency, now() - acceptIssued[k]);
      } catch {
        errors++;
      }
    }),
  );
  const acceptMs = now() - acceptStart;
  // Every visitor behind accept k should see it: wait for the pushes to settle. A visitor accepted before
  // a push reflected the last accepts ahead of it never needs that push (superseded, not an error).
  const expected = queue.reduce((sum, p) => sum + (p.start - 1), 0);
  await until(() => push.totalCount >= expected, 5000);
  const superseded = expected - push.totalCount;
  await Promise.all([...people.map((p) => p.connection.dispose()), ...ops.map((o) => o.dispose())]);
  return {
    visitors: queue.length,
    joinSeconds: Math.round(joinMs / 100) / 10,
    acceptSeconds: Math.round(acceptMs / 100) / 10,
    join: summary(join),
    accept: summary(acceptLatency),
    positionPush: summary(push),
    positionEvents,
    positionWentUp,
    expectedPushes: expected,
    supersededPushes: superseded,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------------

const commands = {
  'chat-setup': chatSetup,
  rate,
  'idle-open': idleOpen,
  'idle-close': idleClose,
  'queue-churn': queueChurn,
  async close() {
    await Promise.allSettled([...sessions.map((s) => s.visitor.dispose()), ...operators.map((o) => o.dispose())]);
    return { closed: true };
  },
};

process.on('message', (message) => {
  const command = commands[message.cmd];
  Promise.resolve()
    .then(() => command(message))
    .then(
      (result) => send({ type: 'done', result }),
      (error) => send({ type: 'failed', error: String(error?.stack ?? error) }),
    );
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
