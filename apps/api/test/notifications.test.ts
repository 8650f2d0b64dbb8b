import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { NotificationChannel, NotificationEvent, NotificationJobData, notificationJobId, NOTIFICATIONS_QUEUE } from '../src/notifications/notification-jobs';
import { NotificationsService } from '../src/notifications/notifications.service';
import { errorCode, gql, gqlOk } from './support/api-client';
import { FakeTelegram, SmtpSink } from './support/notification-sinks';
import { eventually } from './support/wait-for';
import { givenOperator, givenVisitor, startTestApi, TestApi } from './support/test-app';

const TOKEN = '123456:TEST-bot_token-secret';
const CHATS = ['-1001234567890', '42'];
const RECIPIENTS = ['ann@example.com', 'bob@example.com'];
const PUBLIC_URL = 'https://chat.example.com';

/** Visitor input full of HTML and Markdown specials, emoji and Cyrillic. */
const NAME = 'Аня <b>&amp;</b> *bold* _it_ 😀';
const EMAIL = 'anya@example.com';
const PAGE = 'https://shop.example.com/p?a=1&b=2';
const MESSAGE = 'Привет! 👋 <script>alert("x")</script> & **Markdown** [link](https://evil.example) `code`';

function env(fake: FakeTelegram, sink: SmtpSink, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_CHAT_IDS: CHATS.join(','),
    TELEGRAM_API_URL: fake.url,
    TELEGRAM_MAX_RETRY_AFTER_SECONDS: '5',
    SMTP_URL: sink.url,
    NOTIFY_EMAILS: RECIPIENTS.join(', '),
    NOTIFY_EMAIL_FROM: 'Parley alerts <alerts@example.com>',
    NOTIFY_ATTEMPTS: '3',
    NOTIFY_BACKOFF_MS: '300',
    ...extra,
  };
}

/** A visitor writes a first message (as the widget does): a new WAITING chat session. */
async function visitorWrites(api: TestApi, content = MESSAGE, visitor: Record<string, string> = { name: NAME, email: EMAIL, pageUrl: PAGE }) {
  const { token } = await givenVisitor(api, visitor);
  const data = await gqlOk(api.httpUrl, 'mutation($input: StartSessionInput) { startSession(input: $input) { id } }', { input: { content } }, token);
  return data.startSession.id as string;
}

const queueOf = (api: TestApi) => api.app.get<Queue<NotificationJobData>>(getQueueToken(NOTIFICATIONS_QUEUE));

/** `target`: a Telegram chat id, or `email`. */
function jobId(event: NotificationEvent, sessionId: string, target: string): string {
  return notificationJobId({
    event,
    sessionId,
    target: target === 'email' ? { channel: NotificationChannel.EMAIL } : { channel: NotificationChannel.TELEGRAM, chatId: target },
  });
}

/** Waits until the job reaches `state` and returns it. */
async function settled(api: TestApi, id: string, state: 'completed' | 'failed' | 'delayed', timeoutMs = 10000): Promise<Job<NotificationJobData>> {
  return eventually(
    async () => {
      const reached = (await (await queueOf(api).getJob(id))?.getState()) === state;
      return reached ? queueOf(api).getJob(id) : undefined; // read again: the job as it is in that state
    },
    `job ${id} ${state}`,
    timeoutMs,
  );
}

/** Text a Telegram user reads: our tags removed, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<\/?b>|<a href="[^"]*">|<\/a>/g, '')
    .replace(/&lt;|&gt;|&quot;|&amp;/g, (e) => ({ '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' })[e]!);
}

/** Only Parley's own tags are tags and every `&` starts a supported entity (Telegram HTML style). */
function expectSafeTelegramHtml(html: string): void {
  expect(html.replace(/<\/?b>|<a href="[^"<>]*">|<\/a>/g, '')).not.toMatch(/[<>]/);
  expect(html).not.toMatch(/&(?!lt;|gt;|amp;|quot;)/);
}

describe('operator notifications (BullMQ jobs → fake Telegram Bot API + real SMTP server)', () => {
  let fake: FakeTelegram;
  let sink: SmtpSink;
  let api: TestApi;
  let warnings: jest.SpyInstance;

  beforeAll(async () => {
    fake = await FakeTelegram.start();
    sink = await SmtpSink.start();
    api = await startTestApi(env(fake, sink));
  });
  beforeEach(() => {
    fake.reset();
    sink.mails.length = 0;
    warnings = jest.spyOn(Logger.prototype, 'warn');
  });
  afterEach(() => warnings.mockRestore());
  afterAll(async () => {
    await queueOf(api).obliterate({ force: true });
    await api.close();
    await fake.close();
    await sink.close();
  });

  const warned = () => warnings.mock.calls.map((call) => String(call[0]));

  it('nobody online: one Telegram message per chat and one e-mail, with safe, readable text, exactly once', async () => {
    const sessionId = await visitorWrites(api);
    await eventually(() => fake.requests.length === 2 && sink.mails.length === 1, 'one message per chat and one e-mail');
    for (const target of [...CHATS, 'email']) await settled(api, jobId(NotificationEvent.NEW_SESSION, sessionId, target), 'completed');

    // Telegram: sendMessage with the bot token in the path, HTML parse mode, every visitor string escaped.
    expect(fake.requests.map((r) => String(r.body.chat_id)).sort()).toEqual([...CHATS].sort());
    for (const { path, body } of fake.requests) {
      expect(path).toBe(`/bot${TOKEN}/sendMessage`);
      expect(body.parse_mode).toBe('HTML');
      expectSafeTelegramHtml(body.text);
      const seen = visibleText(body.text);
      expect(seen).toContain(`Visitor: ${NAME} <${EMAIL}>`);
      expect(seen).toContain(`Page: ${PAGE}`);
      expect(seen).toMatch(/Waiting: \d+ s/);
      expect(seen).toContain(MESSAGE);
      expect(body.text).toContain(`<a href="${PUBLIC_URL}/console/chats/${sessionId}">`);
    }

    // E-mail: to NOTIFY_EMAILS, Unicode subject and body intact, HTML part escaped.
    const [{ mail, recipients, sender }] = sink.mails;
    expect(recipients.sort()).toEqual(RECIPIENTS);
    expect(sender).toBe('alerts@example.com');
    expect(mail.subject).toBe(`New chat waiting, no operator online: ${NAME} — ${MESSAGE}`.slice(0, 149) + '…');
    expect(mail.text).toContain(MESSAGE);
    expect(mail.text).toContain(`${PUBLIC_URL}/console/chats/${sessionId}`);
    expect(mail.html).toContain('Привет! 👋 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; **Markdown**');
    expect(mail.html).not.toContain('<script>');

    // Recorded once per destination.
    const rows = await api.app
      .get(EntityManager)
      .getConnection()
      .execute('SELECT event, channel FROM notification_delivery WHERE session_id = ? ORDER BY channel', [sessionId]);
    expect(rows).toEqual([
      { event: 'new-session', channel: 'email' },
      ...[...CHATS].sort().map((chat) => ({ event: 'new-session', channel: `telegram/${chat}` })),
    ]);

    // Enqueued again, or a finished job re-run: nothing more reaches anyone.
    await api.app.get(NotificationsService).sessionQueued(sessionId);
    for (const target of [...CHATS, 'email']) {
      const job = await settled(api, jobId(NotificationEvent.NEW_SESSION, sessionId, target), 'completed');
      await job.retry('completed');
      const rerun = await settled(api, job.id!, 'completed');
      expect(rerun.returnvalue).toBe('already delivered');
    }
    expect(fake.requests).toHaveLength(2);
    expect(sink.mails).toHaveLength(1);
  });

  it('an operator online: no new-session notification; the long-wait one sends nothing once the chat is taken', async () => {
    const operator = await givenOperator(api, { online: true });
    try {
      const sessionId = await visitorWrites(api, 'Hello?');
      for (const target of [...CHATS, 'email']) {
        // The chat's jobs are added together, after startSession answered: once the long-wait one is there, a new-session one would be too.
        const longWait = await settled(api, jobId(NotificationEvent.LONG_WAIT, sessionId, target), 'delayed');
        expect(longWait.opts.delay).toBe(180_000); // NOTIFY_WAITING_THRESHOLD_SECONDS default
        expect(await queueOf(api).getJob(jobId(NotificationEvent.NEW_SESSION, sessionId, target))).toBeUndefined();
      }
      await gqlOk(api.httpUrl, 'mutation($id: ID!) { acceptSession(sessionId: $id) { id } }', { id: sessionId }, operator.token);
      for (const target of [...CHATS, 'email']) {
        await (await queueOf(api).getJob(jobId(NotificationEvent.LONG_WAIT, sessionId, target)))!.promote(); // the threshold passes
        const done = await settled(api, jobId(NotificationEvent.LONG_WAIT, sessionId, target), 'completed');
        expect(done.returnvalue).toBe('not sent: the chat session no longer waits');
      }
      expect(fake.requests).toHaveLength(0);
      expect(sink.mails).toHaveLength(0);
    } finally {
      await gqlOk(api.httpUrl, 'mutation { setPresence(presence: OFFLINE) { id } }', {}, operator.token);
    }
  });

  it('a 6,000-character first message: shortened within 4,096 characters with an ellipsis, never inside an entity or a surrogate pair', async () => {
    const long = `Привет <b>${'👍🏽'.repeat(800)}${'&'.repeat(500)}${'😀'.repeat(1150)}`;
    expect(long.length).toBeGreaterThanOrEqual(6000);
    const sessionId = await visitorWrites(api, long);
    await eventually(() => fake.requests.length === 2 && sink.mails.length === 1, 'notifications');
    for (const { body } of fake.requests) {
      expect(body.text.length).toBeLessThanOrEqual(4096);
      expectSafeTelegramHtml(body.text);
      expect(body.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      const shown = visibleText(body.text);
      const kept = shown.slice(shown.indexOf('Привет'), shown.indexOf('…\n\nOpen the chat'));
      expect(kept.length).toBeGreaterThan(100);
      expect(long.startsWith(kept)).toBe(true); // a clean prefix: whole graphemes, whole entities
      expect(body.text).toContain(`…\n\n<a href="${PUBLIC_URL}/console/chats/${sessionId}">`);
    }
    expect(sink.mails[0].mail.text).toContain(long); // e-mail has room for all of it
  });

  it('Telegram 429: waits retry_after, then delivers once; an absurd retry_after gives up Telegram and leaves it to the e-mail', async () => {
    fake.answerNext({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } });
    const sessionId = await visitorWrites(api, 'Flood control, please');
    await Promise.all(CHATS.map((chat) => settled(api, jobId(NotificationEvent.NEW_SESSION, sessionId, chat), 'completed')));
    const limited = CHATS.map((chat) => fake.to(chat)).find((requests) => requests.length === 2)!;
    expect(limited).toBeDefined();
    expect(limited[1].at - limited[0].at).toBeGreaterThanOrEqual(1000);
    expect(fake.requests).toHaveLength(3);
    expect(warned().some((line) => line.includes('waits 1 s as Telegram asked'))).toBe(true);

    fake.reset();
    sink.mails.length = 0;
    fake.answerNext(
      { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3600', parameters: { retry_after: 3600 } } },
      { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3600', parameters: { retry_after: 3600 } } },
    );
    const second = await visitorWrites(api, 'Flood control for an hour');
    for (const chat of CHATS) {
      const failed = await settled(api, jobId(NotificationEvent.NEW_SESSION, second, chat), 'failed');
      expect(failed.failedReason).toMatch(/TELEGRAM_MAX_RETRY_AFTER_SECONDS \(5\), the e-mail carries this notification/);
    }
    await settled(api, jobId(NotificationEvent.NEW_SESSION, second, 'email'), 'completed');
    expect(fake.requests).toHaveLength(2);
    expect(sink.mails).toHaveLength(1);
  });

  it('Telegram 400: not retried, the reason logged, the job kept as failed', async () => {
    fake.answerNext(
      { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
      { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
    );
    const sessionId = await visitorWrites(api, 'Is this chat real?');
    for (const chat of CHATS) {
      const failed = await settled(api, jobId(NotificationEvent.NEW_SESSION, sessionId, chat), 'failed');
      expect(failed.failedReason).toBe('Telegram answered 400: Bad Request: chat not found');
      expect(failed.attemptsMade).toBe(1);
    }
    expect(fake.requests).toHaveLength(2);
    expect(warned().filter((line) => line.includes('not retried: Telegram answered 400: Bad Request: chat not found'))).toHaveLength(2);
    await settled(api, jobId(NotificationEvent.NEW_SESSION, sessionId, 'email'), 'completed'); // the e-mail is its own job
    expect(sink.mails).toHaveLength(1);
  });

  it('Telegram 5xx: retried with exponential backoff up to NOTIFY_ATTEMPTS, then kept as failed; log lines hold no secret', async () => {
    const error = { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };
    fake.answerNext(error, error, error, error, error, error);
    const sessionId = await visitorWrites(api, 'Server trouble');
    for (const chat of CHATS) {
      const failed = await settled(api, jobId(NotificationEvent.NEW_SESSION, sessionId, chat), 'failed');
      expect(failed.attemptsMade).toBe(3);
      const [first, second, third] = fake.to(chat).map((r) => r.at);
      expect(second - first).toBeGreaterThanOrEqual(300); // NOTIFY_BACKOFF_MS
      expect(third - second).toBeGreaterThanOrEqual(600); // doubled
    }
    expect(fake.requests).toHaveLength(6);
    const lines = warned().filter((line) => line.includes('Telegram answered 502'));
    expect(lines).toHaveLength(6);
    expect(lines.filter((line) => line.startsWith('Gave up'))).toHaveLength(2);
    for (const line of warned()) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('smtp-secret-pw');
      expect(line).not.toContain('\n');
    }
  });

  describe('notificationSettings and sendTestNotification', () => {
    it('shows operators which channels are configured and where they send', async () => {
      const operator = await givenOperator(api);
      const { notificationSettings } = await gqlOk(
        api.httpUrl,
        '{ notificationSettings { waitingThresholdSeconds channels { channel configured destinations } } }',
        {},
        operator.token,
      );
      expect(notificationSettings).toEqual({
        waitingThresholdSeconds: 180,
        channels: [
          { channel: 'TELEGRAM', configured: true, destinations: CHATS },
          { channel: 'EMAIL', configured: true, destinations: RECIPIENTS },
        ],
      });
      const visitor = await givenVisitor(api);
      expect(errorCode(await gql(api.httpUrl, '{ notificationSettings { waitingThresholdSeconds } }', {}, visitor.token))).toBe('FORBIDDEN');
      expect(errorCode(await gql(api.httpUrl, 'mutation { sendTestNotification { delivered } }', {}, visitor.token))).toBe('FORBIDDEN');
    });

    it('sends a test notification now and reports each destination, a refusal included', async () => {
      const operator = await givenOperator(api, { name: 'Olga <Ops>' });
      fake.answerNext({ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } });
      const { sendTestNotification } = await gqlOk(
        api.httpUrl,
        'mutation { sendTestNotification { channel destination delivered error } }',
        {},
        operator.token,
      );
      expect(sendTestNotification).toHaveLength(3);
      const telegram = sendTestNotification.filter((r: any) => r.channel === 'TELEGRAM');
      expect(telegram.map((r: any) => r.destination)).toEqual(CHATS);
      expect(telegram.filter((r: any) => r.delivered)).toHaveLength(1);
      expect(telegram.find((r: any) => !r.delivered).error).toBe('Telegram answered 403: Forbidden: bot was blocked by the user');
      expect(sendTestNotification.find((r: any) => r.channel === 'EMAIL')).toEqual({
        channel: 'EMAIL',
        destination: RECIPIENTS.join(', '),
        delivered: true,
        error: null,
      });
      expect(visibleText(fake.requests[0].body.text)).toContain('Requested by: Olga <Ops>');
      expect(sink.mails[0].mail.subject).toBe('Parley test notification');

      const emailOnly = await gqlOk(api.httpUrl, 'mutation { sendTestNotification(channel: EMAIL) { channel delivered } }', {}, operator.token);
      expect(emailOnly.sendTestNotification).toEqual([{ channel: 'EMAIL', delivered: true }]);
    });
  });
});

describe('notifications with a short waiting threshold, e-mail only', () => {
  let sink: SmtpSink;
  let api: TestApi;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    api = await startTestApi({
      PUBLIC_URL,
      SMTP_URL: sink.url,
      NOTIFY_EMAILS: 'team@example.com',
      NOTIFY_WAITING_THRESHOLD_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await queueOf(api).obliterate({ force: true });
    await api.close();
    await sink.close();
  });

  it('a chat waiting longer than the threshold notifies once, even with an operator online', async () => {
    const operator = await givenOperator(api, { online: true });
    try {
      const sessionId = await visitorWrites(api, 'Waiting a while', { name: 'Patient Pat' });
      const job = await settled(api, jobId(NotificationEvent.LONG_WAIT, sessionId, 'email'), 'completed');
      expect(await queueOf(api).getJob(jobId(NotificationEvent.NEW_SESSION, sessionId, 'email'))).toBeUndefined(); // added with it, were it due
      expect(job.opts.delay).toBe(1000);
      expect(job.returnvalue).toBe('delivered');
      expect(sink.mails).toHaveLength(1);
      expect(sink.mails[0].mail.subject).toMatch(/^Chat waiting for \d s: Patient Pat — Waiting a while$/);
    } finally {
      await gqlOk(api.httpUrl, 'mutation { setPresence(presence: OFFLINE) { id } }', {}, operator.token);
    }
  });

  it('says BAD_USER_INPUT when a test notification asks for a channel that is not configured', async () => {
    const operator = await givenOperator(api);
    const result = await gql(api.httpUrl, 'mutation { sendTestNotification(channel: TELEGRAM) { delivered } }', {}, operator.token);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toBe('Telegram is not configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS');
  });
});
