// Fault: Redis hangs (SIGSTOP: alive, takes connections, answers nothing) while presence is read. Presence
// reads give up after REDIS_COMMAND_TIMEOUT_MS (2 s) and each caller answers without them: the operator's
// query of a session answers with the rest of the session and visitorPresence OFFLINE, a waiting visitor's
// startSession and session answer with a wait estimate made as if one operator were online, and a new chat's
// notifications go out as if nobody were online. Presence writes still wait for Redis, so a widget closed
// during the hang is reported OFFLINE once Redis answers again.
import { getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Presence } from '../src/common/enums';
import { NotificationChannel, NotificationEvent, NotificationJobData, notificationJobId, NOTIFICATIONS_QUEUE } from '../src/notifications/notification-jobs';
import { NotificationsService } from '../src/notifications/notifications.service';
import { PresenceService, VisitorPresenceChange } from '../src/presence/presence.service';
import { UnknownRead } from '../src/common/unknown-read';
import { REDIS_COMMAND_TIMEOUT_MS } from '../src/realtime/redis.providers';
import { gql, GqlResult, gqlOk, record, wsClient } from './support/api-client';
import { FakeTelegram } from './support/notification-sinks';
import { messagesOf, SESSION_EVENTS } from './support/operations';
import { PrivateRedis, startPrivateRedis } from './support/private-services';
import { givenActiveSession, givenOperator, givenWaitingSession, startTestApi, TestApi } from './support/test-app';
import { eventually, withTimeout } from './support/wait-for';

jest.setTimeout(60_000);

/** The operator console's query of an open chat: the session, its history and the visitor's presence. */
const CONSOLE_SESSION = `query($id: ID!) {
  session(id: $id) { id status visitor { id } operator { id } messages { seq content } visitorPresence }
}`;
/** The widget's: its own session and place in the queue. */
const WIDGET_SESSION = 'query($id: ID!) { session(id: $id) { id status queuePosition estimatedWaitSeconds } }';
const START_SESSION = 'mutation { startSession { id status queuePosition estimatedWaitSeconds } }';
/** The Telegram chat notifications go to. */
const CHAT = '42';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `operation`'s result and how long (ms) it took; fails after 10 s (a request waiting for the hang to end). */
async function timed<T>(operation: Promise<T>, what: string): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await withTimeout(operation, 10_000, what);
  return { result, ms: Date.now() - started };
}

describe('fault: Redis hangs while presence is read', () => {
  let redis: PrivateRedis;
  let telegram: FakeTelegram;
  let api: TestApi;
  let warn: jest.SpyInstance;
  /** What PresenceService warned since the test began (or {@link warn} was cleared), in order. */
  const presenceWarnings = () => warn.mock.calls.map(([line]) => String(line));

  beforeAll(async () => {
    redis = await startPrivateRedis();
    telegram = await FakeTelegram.start();
    api = await startTestApi({ REDIS_URL: redis.url, TELEGRAM_BOT_TOKEN: '123456:TEST-bot_token', TELEGRAM_CHAT_IDS: CHAT, TELEGRAM_API_URL: telegram.url });
  });
  beforeEach(() => {
    // PresenceService's logger and grouped warnings (private). Each test starts with no window open: its first is written.
    const presence = api.app.get<PresenceService, { logger: Logger; unknown: UnknownRead }>(PresenceService);
    presence.unknown.flush();
    warn = jest.spyOn(presence.logger, 'warn');
  });
  afterEach(() => {
    redis.resume(); // a paused server must never outlive a test, nor hold up the API's shutdown
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    redis?.resume();
    await api?.close();
    await redis?.dispose();
    await telegram?.close();
  });

  it("answers the operator's session query (visitorPresence OFFLINE) and a waiting visitor's startSession and session within 5 s, with one warning; reads work again once Redis answers", async () => {
    const active = await givenActiveSession(api, 'before the hang');
    const waiting = await givenWaitingSession(api, 'waiting through the hang');
    const widget = wsClient(api.wsUrl, active.visitor.token);
    try {
      const events = record(widget, SESSION_EVENTS, { id: active.sessionId, after: 0 });
      await events.recorder.waitFor((items) => messagesOf(items).length === 2, 10_000, 'the widget live');
      const consoleQuery = () => gql(api.httpUrl, CONSOLE_SESSION, { id: active.sessionId }, active.operator.token);
      await eventually(async () => (await consoleQuery()).data?.session.visitorPresence === Presence.ONLINE, 'the visitor ONLINE before the hang');
      const before = (await consoleQuery()).data!.session;
      const estimateBefore = (await gqlOk(api.httpUrl, WIDGET_SESSION, { id: waiting.sessionId }, waiting.visitor.token)).session;
      expect(estimateBefore).toMatchObject({ status: 'WAITING', queuePosition: expect.any(Number), estimatedWaitSeconds: expect.any(Number) });
      warn.mockClear();

      redis.pause();
      // The console opens the chat; half a second later the waiting visitor's widget asks for its place,
      // while the console's read is still unanswered: each is answered about 2 s after it was asked.
      const operatorQuery = timed(consoleQuery(), 'the console\'s session query');
      await sleep(500);
      const place = await timed(gql(api.httpUrl, WIDGET_SESSION, { id: waiting.sessionId }, waiting.visitor.token), 'the widget\'s session query');
      const operatorView = await operatorQuery;
      expect(operatorView.result).toEqual({ data: { session: { ...before, visitorPresence: Presence.OFFLINE } } });
      // With an estimate: null would tell the visitor that nobody is online.
      const answered = { id: waiting.sessionId, status: 'WAITING', queuePosition: estimateBefore.queuePosition, estimatedWaitSeconds: expect.any(Number) };
      expect(place.result).toEqual({ data: { session: answered } });
      expect(presenceWarnings()).toEqual(['Presence unknown: Redis did not answer a presence read within 2 s; visitorPresence answered OFFLINE']);

      // The widget coming back to its chat (a reload). Its rate limit may ask Redis for points first, and wait 2 s for that too.
      const again = await timed(gql(api.httpUrl, START_SESSION, {}, waiting.visitor.token), 'startSession');
      expect(again.result).toEqual({ data: { startSession: answered } });
      process.stdout.write(`during the hang, answered in: console session ${operatorView.ms} ms, widget session ${place.ms} ms, startSession ${again.ms} ms\n`);
      expect(operatorView.ms).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS + 1000);
      expect(place.ms).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS + 1000);
      expect(again.ms).toBeLessThan(5000);
      // The rest of the burst is counted, not written (one line per 10 s).
      expect(presenceWarnings()).toHaveLength(1);

      redis.resume();
      const after = await timed(consoleQuery(), 'the console\'s session query after the hang');
      expect(after.result).toEqual({ data: { session: { ...before, visitorPresence: Presence.ONLINE } } });
      expect(after.ms).toBeLessThan(1000);
      events.stop();
    } finally {
      await widget.dispose();
    }
  });

  it('reports a widget closed while Redis hangs OFFLINE once Redis answers again: presence writes wait, they do not time out', async () => {
    const waiting = await givenWaitingSession(api, 'closing during the hang');
    const operator = (await givenActiveSession(api)).operator;
    const changes: VisitorPresenceChange[] = [];
    const listening = api.app.get(PresenceService).visitorChanges.subscribe((change) => {
      if (change.visitorId === waiting.visitor.id) changes.push(change);
    });
    const widget = wsClient(api.wsUrl, waiting.visitor.token);
    try {
      const events = record(widget, SESSION_EVENTS, { id: waiting.sessionId, after: 0 });
      await events.recorder.waitFor((items) => messagesOf(items).length === 1, 10_000, 'the widget live');
      await eventually(() => changes.at(-1)?.presence === Presence.ONLINE, 'the visitor ONLINE');

      redis.pause();
      await widget.dispose();
      await sleep(3000); // longer than a command timeout
      expect(changes.map((c) => c.presence)).toEqual([Presence.ONLINE]);

      redis.resume();
      await eventually(() => changes.at(-1)?.presence === Presence.OFFLINE, 'the visitor reported OFFLINE', 5000);
      const read: GqlResult = await gql(api.httpUrl, 'query($id: ID!) { session(id: $id) { visitorPresence } }', { id: waiting.sessionId }, operator.token);
      expect(read).toEqual({ data: { session: { visitorPresence: Presence.OFFLINE } } });
    } finally {
      listening.unsubscribe();
      await widget.dispose();
    }
  });

  it('notifies operators of a new chat as if nobody were online when Redis cannot tell, though one is', async () => {
    await givenOperator(api, { online: true });
    const { sessionId } = await givenWaitingSession(api, 'queued while an operator is online');
    const queue = api.app.get<Queue<NotificationJobData>>(getQueueToken(NOTIFICATIONS_QUEUE));
    const newSession = notificationJobId({ event: NotificationEvent.NEW_SESSION, sessionId, target: { channel: NotificationChannel.TELEGRAM, chatId: CHAT } });
    // The chat's jobs are added together, after startSession answered: once the long-wait one is there, a new-session one would be too.
    const longWait = notificationJobId({ event: NotificationEvent.LONG_WAIT, sessionId, target: { channel: NotificationChannel.TELEGRAM, chatId: CHAT } });
    await eventually(async () => (await queue.getJob(longWait)) !== undefined, 'the long-wait job');
    expect(await queue.getJob(newSession)).toBeUndefined(); // an operator is online: no new-session notice
    warn.mockClear();

    redis.pause();
    const queued = api.app.get(NotificationsService).sessionQueued(sessionId); // as for a chat started now
    await sleep(3000); // the presence read gives up meanwhile
    expect(presenceWarnings()).toEqual(['Presence unknown: Redis did not answer a presence read within 2 s; new-session notifications sent as if nobody were online']);
    redis.resume();
    await queued; // its jobs are added through BullMQ, which waits for Redis
    expect(await queue.getJob(newSession)).toBeDefined();
  });
});
