import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { NotificationChannel, NotificationEvent, NotificationJobData, notificationJobId, NOTIFICATIONS_QUEUE } from '../src/notifications/notification-jobs';
import { gqlOk } from './support/api-client';
import { Child, startWorkerChild } from './support/api-process';
import { FakeTelegram, SmtpSink } from './support/notification-sinks';
import { eventually } from './support/wait-for';
import { givenVisitor, startTestApi, TestApi } from './support/test-app';

const TOKEN = '123456:WORKER-test_token-secret';
const CHAT = '-1009876543210';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A Redis server of this test's own: the worker-killed test freezes it with `CLIENT PAUSE`, which would
 * stall anyone else's work on a shared one.
 */
async function startOwnRedis(): Promise<{ url: string; admin: Redis; stop: () => Promise<void> }> {
  const port = await closedPort();
  const server: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await eventually(async () => {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    const up = await probe.connect().then(() => true, () => false);
    probe.disconnect();
    return up;
  }, 'own redis-server');
  const admin = new Redis(url);
  return {
    url,
    admin,
    stop: async () => {
      admin.disconnect();
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
    },
  };
}

async function visitorWrites(api: TestApi, content: string): Promise<string> {
  const { token } = await givenVisitor(api, { name: 'Wendy Worker' });
  return (await gqlOk(api.httpUrl, 'mutation($input: StartSessionInput) { startSession(input: $input) { id } }', { input: { content } }, token)).startSession.id;
}

const queueOf = (api: TestApi) => api.app.get<Queue<NotificationJobData>>(getQueueToken(NOTIFICATIONS_QUEUE));
const telegramJob = (sessionId: string) =>
  notificationJobId({ event: NotificationEvent.NEW_SESSION, sessionId, target: { channel: NotificationChannel.TELEGRAM, chatId: CHAT } });

async function jobIn(api: TestApi, id: string, state: string, timeoutMs = 20000): Promise<Job<NotificationJobData>> {
  return eventually(
    async () => ((await (await queueOf(api).getJob(id))?.getState()) === state ? queueOf(api).getJob(id) : undefined),
    `job ${id} ${state}`,
    timeoutMs,
  );
}

/** The `msg` of every JSON log line a child printed. */
function logMessages(child: Child): string[] {
  return child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
}

describe('npm run worker (RUN_WORKERS=false API + separate worker processes)', () => {
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  let fake: FakeTelegram;
  let api: TestApi | undefined;
  const children: Child[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
    fake = await FakeTelegram.start();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
    await redis.admin.call('CLIENT', 'UNPAUSE');
    await api?.close();
    api = undefined;
    fake.reset();
  });
  afterAll(async () => {
    await fake.close();
    await redis.stop();
  });

  const telegramEnv = () => ({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_IDS: CHAT, TELEGRAM_API_URL: fake.url });
  const workerEnv = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: api!.config.databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: api!.config.redisPrefix,
    JWT_SECRET: api!.config.jwtSecret,
    ...telegramEnv(),
    ...extra,
  });
  const worker = async (extra: Record<string, string> = {}) => {
    const child = await startWorkerChild(workerEnv(extra));
    children.push(child);
    return child;
  };

  it('an API with RUN_WORKERS=false enqueues but runs no processor; the worker process delivers', async () => {
    api = await startTestApi({ REDIS_URL: redis.url, RUN_WORKERS: 'false', ...telegramEnv() });
    const sessionId = await visitorWrites(api, 'Who processes me?');
    await jobIn(api, telegramJob(sessionId), 'waiting');
    expect(await queueOf(api).getWorkers()).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);

    await worker();
    const done = await jobIn(api, telegramJob(sessionId), 'completed');
    expect(done.returnvalue).toBe('delivered');
    expect(fake.requests).toHaveLength(1);
    expect(await queueOf(api).getWorkers()).toHaveLength(1);
  });

  it('a worker stops on SIGTERM with exit code 0 and leaves the queue', async () => {
    api ??= await startTestApi({ REDIS_URL: redis.url, RUN_WORKERS: 'false', ...telegramEnv() });
    const queue = queueOf(api);
    const others = (await queue.getWorkers()).length;
    const child = await worker();
    // BullMQ names a worker's Redis connection once it has connected, a moment after the process is up.
    await eventually(async () => (await queue.getWorkers()).length === others + 1, 'the worker registered with the queue');
    expect(await child.stop('SIGTERM')).toBe(0);
    expect(child.output()).toContain('Stopped');
    expect((await queue.getWorkers()).length).toBe(others);
  });

  it('a worker killed (SIGKILL) after the delivery record but before the job completed: the job runs again and sends nothing more', async () => {
    api = await startTestApi({ REDIS_URL: redis.url, RUN_WORKERS: 'false', ...telegramEnv() });
    // When Telegram is called, freeze Redis writes: the worker can record the delivery in PostgreSQL
    // but cannot mark the job completed.
    fake.beforeAnswer = async () => {
      await redis.admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    };
    const first = await worker({ NOTIFY_JOB_LOCK_SECONDS: '1' });
    const sessionId = await visitorWrites(api, 'Do not tell them twice');
    const recorded = () =>
      api!.app
        .get(EntityManager)
        .getConnection()
        .execute('SELECT channel FROM notification_delivery WHERE session_id = ?', [sessionId]);
    await eventually(async () => (await recorded()).length === 1, 'the delivery record');
    await first.stop('SIGKILL');
    fake.beforeAnswer = undefined;
    await redis.admin.call('CLIENT', 'UNPAUSE');

    await worker({ NOTIFY_JOB_LOCK_SECONDS: '1' }); // restarted: takes up the stalled job
    const done = await jobIn(api, telegramJob(sessionId), 'completed');
    expect(done.returnvalue).toBe('already delivered');
    expect(done.attemptsStarted).toBe(2);
    expect(fake.requests).toHaveLength(1);
    expect(await recorded()).toEqual([{ channel: `telegram/${CHAT}` }]);
  });

  it('unreachable Telegram and SMTP: one readable line per attempt, no stack trace, no secret', async () => {
    const sink = await SmtpSink.start('parley:smtp-secret-pw');
    const smtpUrl = sink.url.replace(/:\d+$/, `:${await closedPort()}`);
    await sink.close();
    const telegramUrl = `http://127.0.0.1:${await closedPort()}`;
    const channels = { TELEGRAM_API_URL: telegramUrl, SMTP_URL: smtpUrl, NOTIFY_EMAILS: 'team@example.com', NOTIFY_ATTEMPTS: '2', NOTIFY_BACKOFF_MS: '100' };
    api = await startTestApi({ REDIS_URL: redis.url, RUN_WORKERS: 'false', ...telegramEnv(), ...channels });
    const child = await worker(channels);
    const sessionId = await visitorWrites(api, 'Anyone reachable?');
    await jobIn(api, telegramJob(sessionId), 'failed');
    const emailJob = notificationJobId({ event: NotificationEvent.NEW_SESSION, sessionId, target: { channel: NotificationChannel.EMAIL } });
    await jobIn(api, emailJob, 'failed');
    await eventually(() => logMessages(child).filter((m) => m.startsWith('Gave up')).length === 2, 'both give-up lines');

    const telegram = logMessages(child).filter((m) => m.includes('Telegram unreachable at TELEGRAM_API_URL'));
    const smtp = logMessages(child).filter((m) => m.includes('SMTP at SMTP_URL failed'));
    expect(telegram).toHaveLength(2);
    expect(smtp).toHaveLength(2);
    expect(telegram[0]).toMatch(/attempt 1 of 2, retried with backoff\): Telegram unreachable at TELEGRAM_API_URL \(fetch failed: connect ECONNREFUSED/);
    expect(smtp[1]).toMatch(/^Gave up the new-session notification .* after 2 attempts: SMTP at SMTP_URL failed \(.*ECONNREFUSED/);
    expect(child.output()).not.toContain(TOKEN);
    expect(child.output()).not.toContain('smtp-secret-pw');
    expect(child.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
