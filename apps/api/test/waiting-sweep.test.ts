// The workers' sweep of waiting chat sessions (WaitingSweep): a chat committed whose notification jobs were
// never added (the API process died between the commit and Redis taking them) still gets its long-wait
// notification, and the sweep never makes a second one. The sweep period and the waiting threshold are set
// short through config (NOTIFY_SWEEP_INTERVAL_SECONDS, NOTIFY_WAITING_THRESHOLD_SECONDS).
import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { NotificationChannel, NotificationEvent, NotificationJobData, notificationJobId, NOTIFICATIONS_QUEUE } from '../src/notifications/notification-jobs';
import { NotificationsProcessor } from '../src/notifications/notifications.processor';
import { NotificationsService } from '../src/notifications/notifications.service';
import { WAITING_SWEEP_JOB, WAITING_SWEEP_SCHEDULER, WaitingSweep } from '../src/notifications/waiting-sweep';
import { gqlOk } from './support/api-client';
import { FakeTelegram, SmtpSink } from './support/notification-sinks';
import { givenOperator, givenVisitor, resetDatabase, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';

jest.setTimeout(60_000);

const CHATS = ['-1005550001', '77'];
const TARGETS = [...CHATS, 'email'];
const PUBLIC_URL = 'https://chat.example.com';

const queueOf = (api: TestApi) => api.app.get<Queue<NotificationJobData>>(getQueueToken(NOTIFICATIONS_QUEUE));

/** `target`: a Telegram chat id, or `email`. */
function longWaitJobId(sessionId: string, target: string): string {
  return notificationJobId({
    event: NotificationEvent.LONG_WAIT,
    sessionId,
    target: target === 'email' ? { channel: NotificationChannel.EMAIL } : { channel: NotificationChannel.TELEGRAM, chatId: target },
  });
}

/** Starts a chat as the widget does; with `lostEnqueue`, its notification jobs are never added (the process "died" after the commit). */
async function visitorWrites(api: TestApi, content: string, options: { lostEnqueue?: boolean } = {}): Promise<string> {
  const { token } = await givenVisitor(api, { name: 'Sam Sweep' });
  const lost = options.lostEnqueue ? jest.spyOn(api.app.get(NotificationsService), 'sessionQueued').mockResolvedValue(undefined) : undefined;
  try {
    const data = await gqlOk(api.httpUrl, 'mutation($input: StartSessionInput) { startSession(input: $input) { id } }', { input: { content } }, token);
    if (lost) expect(lost).toHaveBeenCalledTimes(1);
    return data.startSession.id as string;
  } finally {
    lost?.mockRestore();
  }
}

/** Every job of the notifications queue `api` finished, as it finished (completed or failed), with its outcome. */
function finishedJobs(api: TestApi): Array<{ id: string; name: string; outcome: string }> {
  const finished: Array<{ id: string; name: string; outcome: string }> = [];
  const worker = api.app.get(NotificationsProcessor).worker;
  worker.on('completed', (job: Job, result: string) => finished.push({ id: job.id!, name: job.name, outcome: result }));
  worker.on('failed', (job: Job | undefined, error: Error) => job && finished.push({ id: job.id!, name: job.name, outcome: `failed: ${error.message}` }));
  return finished;
}

/** Resolves once `count` more sweeps have finished (on any of `logs`) after this call. */
async function moreSweeps(logs: Array<Array<{ name: string }>>, count: number): Promise<void> {
  const sweeps = () => logs.reduce((sum, log) => sum + log.filter((job) => job.name === WAITING_SWEEP_JOB).length, 0);
  const before = sweeps();
  await eventually(() => sweeps() >= before + count, `${count} more sweeps`, 20_000);
}

/** Jobs of `sessionId` in the queue, in any state. */
async function jobsOf(api: TestApi, sessionId: string): Promise<Job<NotificationJobData>[]> {
  const jobs = await queueOf(api).getJobs(['completed', 'failed', 'delayed', 'waiting', 'active', 'prioritized']);
  return jobs.filter((job) => job?.data.sessionId === sessionId);
}

async function deliveryRows(api: TestApi, sessionId: string): Promise<Array<{ event: string; channel: string }>> {
  const rows: Array<{ event: string; channel: string }> = await api.app
    .get(EntityManager)
    .getConnection()
    .execute('SELECT event, channel FROM notification_delivery WHERE session_id = ?', [sessionId]);
  return rows.sort((a, b) => a.channel.localeCompare(b.channel));
}

/** A database holding no chat session, so the sweep reads only this file's (its read is capped, oldest first). */
async function emptyDatabase(): Promise<void> {
  const plain = await startTestApi();
  try {
    await resetDatabase(plain);
  } finally {
    await plain.close();
  }
}

describe('sweep of waiting chat sessions, 1 s threshold (fake Telegram Bot API + real SMTP server)', () => {
  let fake: FakeTelegram;
  let sink: SmtpSink;
  let api: TestApi;
  let finished: Array<{ id: string; name: string; outcome: string }>;

  beforeAll(async () => {
    await emptyDatabase();
    fake = await FakeTelegram.start();
    sink = await SmtpSink.start();
    api = await startTestApi({
      PUBLIC_URL,
      TELEGRAM_BOT_TOKEN: '123456:SWEEP-test_token',
      TELEGRAM_CHAT_IDS: CHATS.join(','),
      TELEGRAM_API_URL: fake.url,
      SMTP_URL: sink.url,
      NOTIFY_EMAILS: 'team@example.com',
      NOTIFY_WAITING_THRESHOLD_SECONDS: '1',
      NOTIFY_SWEEP_INTERVAL_SECONDS: '1',
    });
    finished = finishedJobs(api);
  });
  afterAll(async () => {
    await queueOf(api).obliterate({ force: true });
    await api.close();
    await fake.close();
    await sink.close();
  });

  /** Long-wait notifications of `sessionId` that reached Telegram (per chat) and e-mail. */
  const longWaitSent = (sessionId: string) => {
    const link = `${PUBLIC_URL}/console/chats/${sessionId}`;
    return {
      telegram: fake.requests.filter((r) => r.body.text.includes(link) && r.body.text.includes('Chat waiting for')).map((r) => String(r.body.chat_id)),
      email: sink.mails.filter((m) => m.mail.text?.includes(link) && m.mail.subject?.startsWith('Chat waiting for')).length,
    };
  };

  it('a chat whose notification jobs were never added gets its long-wait notification from the sweep, and no new-session one', async () => {
    const sessionId = await visitorWrites(api, 'Did anyone get this?', { lostEnqueue: true });
    await eventually(() => {
      const sent = longWaitSent(sessionId);
      return sent.telegram.length === CHATS.length && sent.email === 1;
    }, 'the long-wait notification to every destination', 20_000);

    const sent = longWaitSent(sessionId);
    expect(sent.telegram.sort()).toEqual([...CHATS].sort());
    expect(sent.email).toBe(1);
    for (const target of TARGETS) {
      const job = await eventually(async () => {
        const found = await queueOf(api).getJob(longWaitJobId(sessionId, target));
        return (await found?.getState()) === 'completed' ? queueOf(api).getJob(found!.id!) : undefined;
      }, `job ${longWaitJobId(sessionId, target)} completed`);
      expect(job.returnvalue).toBe('delivered');
      expect(job.opts.delay).toBeLessThanOrEqual(1000); // queuedAt + threshold − now, never more than the threshold
    }
    // Whether an operator was online when the chat started is unknown later: the sweep adds no new-session job.
    expect((await jobsOf(api, sessionId)).map((job) => job.name)).toEqual(TARGETS.map(() => NotificationEvent.LONG_WAIT));
    expect(await deliveryRows(api, sessionId)).toEqual(
      [...CHATS.map((chat) => `telegram/${chat}`), 'email'].sort((a, b) => a.localeCompare(b)).map((channel) => ({ event: 'long-wait', channel })),
    );
  });

  it('a chat whose jobs were added normally is told once per destination however many sweeps run, and a job failed for good is not added again', async () => {
    const operator = await givenOperator(api, { online: true }); // no new-session notification: the first Telegram requests are the long-wait ones
    try {
      fake.reset();
      fake.answerNext({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });
      const sessionId = await visitorWrites(api, 'The normal path');
      const states = () => Promise.all(TARGETS.map(async (target) => (await queueOf(api).getJob(longWaitJobId(sessionId, target)))?.getState()));
      await eventually(async () => (await states()).every((state) => state === 'completed' || state === 'failed'), 'the long-wait jobs finished', 20_000);
      // The first Telegram request was refused for good: that chat's job failed, the others were delivered.
      const failed = await Promise.all((await jobsOf(api, sessionId)).map(async (job) => ((await job.getState()) === 'failed' ? job : undefined)));
      const failedTargets = failed.filter((job) => job !== undefined).map((job) => job.data.target);
      expect(failedTargets).toHaveLength(1);
      const failedChat = failedTargets[0].channel === NotificationChannel.TELEGRAM ? failedTargets[0].chatId : 'none';
      expect(CHATS).toContain(failedChat);

      await moreSweeps([finished], 3);

      // One job per destination, each run once: the sweeps' adds of the existing ids (completed, failed) were no-ops.
      const jobs = await jobsOf(api, sessionId);
      expect(jobs.map((job) => job.id).sort()).toEqual(TARGETS.map((target) => longWaitJobId(sessionId, target)).sort());
      for (const job of jobs) {
        expect(job.attemptsStarted).toBe(1);
        if (job.id === longWaitJobId(sessionId, failedChat)) {
          expect(await job.getState()).toBe('failed');
          expect(job.failedReason).toBe('Telegram answered 400: Bad Request: chat not found');
        } else {
          expect(job.returnvalue).toBe('delivered');
        }
      }
      expect(finished.filter((job) => job.id.includes(sessionId)).map((job) => job.outcome)).not.toContain('already delivered');
      expect(fake.to(failedChat).filter((r) => r.body.text.includes(sessionId))).toHaveLength(1);
      const sent = longWaitSent(sessionId);
      expect(sent.telegram).toHaveLength(CHATS.length); // the refused one included: asked once, not again
      expect(sent.email).toBe(1);
      expect(await deliveryRows(api, sessionId)).toHaveLength(TARGETS.length - 1);
    } finally {
      await gqlOk(api.httpUrl, 'mutation { setPresence(presence: OFFLINE) { id } }', {}, operator.token);
    }
  });

  it('a sweep that cannot read PostgreSQL logs one line without a stack trace and does not throw (the next period tries again)', async () => {
    // A stand-in for a PostgreSQL that refuses connections (a real outage makes the pool wait up to its acquire timeout).
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect'), { code: 'ECONNREFUSED' });
    const unreachable = { fork: () => ({ getConnection: () => ({ execute: () => Promise.reject(refused) }), getTransactionContext: () => undefined }) };
    const sweep = new WaitingSweep(queueOf(api), unreachable as unknown as EntityManager, api.config);
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    try {
      const outcome = await sweep.run();
      expect(outcome).toBe('Sweep of waiting chat sessions failed, tried again in 1 s: connect ECONNREFUSED 127.0.0.1:5432 at TCPConnectWrap.afterConnect');
      expect(warnings.mock.calls.filter(([line]) => String(line).startsWith('Sweep'))).toEqual([[outcome]]);
    } finally {
      warnings.mockRestore();
    }
  });
});

describe('sweep of waiting chat sessions, two instances of one deployment, 60 s threshold', () => {
  let sink: SmtpSink;
  let apis: TestApi[];
  let finished: Array<Array<{ id: string; name: string; outcome: string }>>;

  beforeAll(async () => {
    await emptyDatabase();
    sink = await SmtpSink.start();
    const env = {
      PUBLIC_URL,
      SMTP_URL: sink.url,
      NOTIFY_EMAILS: 'team@example.com',
      NOTIFY_WAITING_THRESHOLD_SECONDS: '60',
      NOTIFY_SWEEP_INTERVAL_SECONDS: '1',
    };
    const first = await startTestApi(env);
    apis = [first, await startTestApi({ ...env, REDIS_PREFIX: first.config.redisPrefix })];
    finished = apis.map(finishedJobs);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await queueOf(apis[0]).obliterate({ force: true });
    await Promise.all(apis.map((api) => api.close()));
    await sink.close();
  });

  it('a chat accepted before the threshold: the job the sweep added sends nothing when due', async () => {
    const [api] = apis;
    const sessionId = await visitorWrites(api, 'Quick question', { lostEnqueue: true });
    const id = longWaitJobId(sessionId, 'email');
    const job = await eventually(async () => ((await (await queueOf(api).getJob(id))?.getState()) === 'delayed' ? queueOf(api).getJob(id) : undefined), 'the sweep added the long-wait job');
    expect(job.opts.delay).toBeGreaterThan(50_000); // due 60 s after the chat was queued, not at once
    expect(job.opts.delay).toBeLessThanOrEqual(60_000);

    const operator = await givenOperator(api, { online: true });
    try {
      await gqlOk(api.httpUrl, 'mutation($id: ID!) { acceptSession(sessionId: $id) { id } }', { id: sessionId }, operator.token);
      await moreSweeps(finished, 2);
      expect((await queueOf(api).getJob(id))!.timestamp).toBe(job.timestamp); // the same job: the sweeps' adds were no-ops
      await (await queueOf(api).getJob(id))!.promote(); // the threshold passes
      const done = await eventually(async () => ((await (await queueOf(api).getJob(id))?.getState()) === 'completed' ? queueOf(api).getJob(id) : undefined), 'the job done');
      expect(done.returnvalue).toBe('not sent: the chat session no longer waits');
      expect(sink.mails.filter((m) => m.mail.text?.includes(sessionId))).toHaveLength(0);
      expect(await deliveryRows(api, sessionId)).toEqual([]);
    } finally {
      await gqlOk(api.httpUrl, 'mutation { setPresence(presence: OFFLINE) { id } }', {}, operator.token);
    }
  });

  it('a chat accepted and closed before any sweep saw it waiting gets no job from later sweeps', async () => {
    // Hold every sweep until the chat is closed, so none reads it while it waits.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    for (const api of apis) {
      const sweep = api.app.get(WaitingSweep);
      const run = sweep.run.bind(sweep);
      jest.spyOn(sweep, 'run').mockImplementation(async () => {
        await held;
        return run();
      });
    }
    const [api] = apis;
    const operator = await givenOperator(api);
    const sessionId = await visitorWrites(api, 'Never mind', { lostEnqueue: true });
    await gqlOk(api.httpUrl, 'mutation($id: ID!) { acceptSession(sessionId: $id) { id } }', { id: sessionId }, operator.token);
    await gqlOk(api.httpUrl, 'mutation($id: ID!) { closeSession(sessionId: $id, resolution: "Solved") { id } }', { id: sessionId }, operator.token);
    release();

    await moreSweeps(finished, 3);
    expect(await jobsOf(api, sessionId)).toEqual([]);
  });

  it('two instances sweep once per period between them: one job scheduler, one sweep job per period', async () => {
    const before = finished.map((log) => log.length);
    await moreSweeps(finished, 6);
    const sweeps = finished.flatMap((log, i) => log.slice(before[i])).filter((job) => job.name === WAITING_SWEEP_JOB);
    // Every sweep is an iteration of the one scheduler (`repeat:<scheduler id>:<its time slot, ms>`); none ran twice.
    const slots = sweeps.map((job) => {
      const match = new RegExp(`^repeat:${WAITING_SWEEP_SCHEDULER}:(\\d+)$`).exec(job.id);
      expect(match).not.toBeNull();
      return Number(match![1]);
    });
    expect(new Set(slots).size).toBe(slots.length);
    const sorted = [...slots].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(1000);
    expect(await queueOf(apis[0]).getJobSchedulersCount()).toBe(1);
    expect(sweeps.every((job) => /^swept \d+ waiting chat session\(s\)$/.test(job.outcome))).toBe(true);
  });
});
