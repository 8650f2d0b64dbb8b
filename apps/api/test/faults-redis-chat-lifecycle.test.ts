// Fault: Redis is down, or hangs, when a visitor starts a chat or an operator accepts or closes one. What was
// asked is committed in PostgreSQL, and the mutation answers with it instead of failing after the fact
// (SERVICE_UNAVAILABLE: a visitor's retry found the chat already created and announced nothing, so no
// operator was ever notified of it; an operator's retried accept was told SESSION_ALREADY_TAKEN) or waiting
// for as long as Redis does. The announcements go out in the background: once Redis answers again, the new
// chat's notification jobs are there.
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { NotificationChannel, NotificationEvent, NotificationJobData, notificationJobId, NOTIFICATIONS_QUEUE } from '../src/notifications/notification-jobs';
import { gql, GqlResult } from './support/api-client';
import { FakeTelegram } from './support/notification-sinks';
import { PrivateRedis, startPrivateRedis } from './support/private-services';
import { givenOperator, givenVisitor, givenWaitingSession, startTestApi, TestApi } from './support/test-app';
import { eventually, withTimeout } from './support/wait-for';

jest.setTimeout(60_000);

const START_SESSION = 'mutation($input: StartSessionInput) { startSession(input: $input) { id status messages { seq content } } }';
/** The Telegram chat notifications go to. */
const CHAT = '42';

describe('fault: Redis down or hanging while chats start, are accepted and closed', () => {
  let redis: PrivateRedis;
  let telegram: FakeTelegram;
  let api: TestApi;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    telegram = await FakeTelegram.start();
    api = await startTestApi({ REDIS_URL: redis.url, TELEGRAM_BOT_TOKEN: '123456:TEST-bot_token', TELEGRAM_CHAT_IDS: CHAT, TELEGRAM_API_URL: telegram.url });
  });
  afterEach(() => redis.resume()); // a paused server must never outlive a test, nor hold up the API's shutdown
  afterAll(async () => {
    redis?.resume();
    await api?.close();
    await redis?.dispose();
    await telegram?.close();
  });

  /** Starts a chat with `content` as the widget of `visitor` would; fails after `withinMs`. */
  async function startChat(visitor: { token: string }, content: string, withinMs: number): Promise<{ id: string; status: string; messages: { seq: number; content: string }[] }> {
    const started = gql(api.httpUrl, START_SESSION, { input: { content, clientMessageId: 'first-message' } }, visitor.token);
    const result: GqlResult = await withTimeout(started, withinMs, 'startSession to answer');
    expect(result.errors).toBeUndefined();
    return (result.data as { startSession: { id: string; status: string; messages: { seq: number; content: string }[] } }).startSession;
  }

  /** Whether the new chat's `new-session` notification job (nobody is online) has been added. */
  async function notified(sessionId: string): Promise<boolean> {
    const queue = api.app.get<Queue<NotificationJobData>>(getQueueToken(NOTIFICATIONS_QUEUE));
    const jobId = notificationJobId({ event: NotificationEvent.NEW_SESSION, sessionId, target: { channel: NotificationChannel.TELEGRAM, chatId: CHAT } });
    return (await queue.getJob(jobId)) !== undefined;
  }

  it('Redis stopped: the chat is answered as stored, and its notification is added once Redis is back', async () => {
    const visitor = await givenVisitor(api);
    await redis.kill();
    const chat = await startChat(visitor, 'Is anyone there?', 8000);
    expect(chat).toMatchObject({ status: 'WAITING', messages: [{ seq: 1, content: 'Is anyone there?' }] });
    await redis.start();
    await eventually(() => notified(chat.id), 'the new-session notification job', 15_000);
  });

  it('Redis stopped: an operator accepts a waiting chat and closes it, each answered as committed', async () => {
    const operator = await givenOperator(api);
    const { sessionId } = await givenWaitingSession(api, 'Can you help?');
    await redis.kill();
    const accept = gql(api.httpUrl, 'mutation($id: ID!) { acceptSession(sessionId: $id) { id status operator { id } } }', { id: sessionId }, operator.token);
    const accepted: GqlResult = await withTimeout(accept, 8000, 'acceptSession to answer');
    expect(accepted).toEqual({ data: { acceptSession: { id: sessionId, status: 'ACTIVE', operator: { id: operator.id } } } });
    const close = gql(api.httpUrl, 'mutation($id: ID!) { closeSession(sessionId: $id, resolution: "Answered") { id status } }', { id: sessionId }, operator.token);
    const closed: GqlResult = await withTimeout(close, 8000, 'closeSession to answer');
    expect(closed).toEqual({ data: { closeSession: { id: sessionId, status: 'CLOSED' } } });
    await redis.start();
  });

  it('Redis hangs: the chat is answered within seconds, not when the hang ends, and notified after it', async () => {
    const visitor = await givenVisitor(api);
    redis.pause();
    const chat = await startChat(visitor, 'Hello from a stalled Redis', 8000);
    expect(chat).toMatchObject({ status: 'WAITING', messages: [{ seq: 1, content: 'Hello from a stalled Redis' }] });
    redis.resume();
    await eventually(() => notified(chat.id), 'the new-session notification job', 15_000);
  });
});
