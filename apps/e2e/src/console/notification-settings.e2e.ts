import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, freePort, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type OperatorAccount, assertConsoleBuilt, eventually, givenOperator, signIn } from './support/console-driver';

/** A request the fake Bot API received. */
interface BotApiRequest {
  method: string;
  path: string;
  body: { chat_id?: string | number; text?: string; parse_mode?: string };
}

/**
 * A local fake of the Telegram Bot API (`sendMessage` only): records every request; answers `ok` for
 * every chat except {@link UNKNOWN_CHAT}, for which it answers as Telegram does for a chat the bot cannot
 * write to (400 "Bad Request: chat not found").
 */
async function startFakeTelegram(): Promise<{ url: string; requests: BotApiRequest[]; close(): Promise<void> }> {
  const requests: BotApiRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      let body: BotApiRequest['body'] = {};
      try {
        body = JSON.parse(raw) as BotApiRequest['body'];
      } catch {
        // recorded as an empty body
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (String(body.chat_id) === UNKNOWN_CHAT) {
        res.statusCode = 400;
        res.end(JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: chat not found' }));
      } else {
        res.end(JSON.stringify({ ok: true, result: { message_id: requests.length, chat: { id: Number(body.chat_id) }, date: Math.floor(Date.now() / 1000), text: body.text } }));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const BOT_TOKEN = '123456789:e2e-fake-token_for-parley';
const GOOD_CHAT = '-1001234567890';
const UNKNOWN_CHAT = '777000';

/** Opens the notification settings from the toolbar's alert menu, as an operator would. */
async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('alert-settings').click();
  await page.getByTestId('notification-settings-link').click();
  await page.waitForURL('**/settings/notifications');
  await page.getByTestId('notification-channel').first().waitFor();
}

/**
 * Issue 5 point 7: the console shows which notification channels the server has configured and sends a
 * test notification — here through the real API to a local fake of the Telegram Bot API, which must
 * receive it — with one result per destination and a clear error when nothing is configured.
 */
describe('console: team notification settings', () => {
  let telegram: Awaited<ReturnType<typeof startFakeTelegram>>;
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    assertConsoleBuilt();
    telegram = await startFakeTelegram();
    api = await startApi({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_CHAT_IDS: `${GOOD_CHAT}, ${UNKNOWN_CHAT}`, TELEGRAM_API_URL: telegram.url });
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Notifications');
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await telegram?.close();
  });

  it('shows the configured channels and where they send', async () => {
    await openSettings(page);
    const tg = page.locator('[data-testid=notification-channel][data-channel=TELEGRAM]');
    expect((await tg.getByTestId('channel-state').textContent())?.trim()).toBe('Configured');
    expect(await tg.getByTestId('channel-destination').allTextContents()).toEqual([GOOD_CHAT, UNKNOWN_CHAT]);
    const email = page.locator('[data-testid=notification-channel][data-channel=EMAIL]');
    expect((await email.getByTestId('channel-state').textContent())?.trim()).toBe('Not configured');
    expect(await email.textContent()).toContain('SMTP_URL and NOTIFY_EMAILS');
    expect(await page.getByTestId('waiting-threshold').textContent()).toContain('3 min');
    expect(telegram.requests).toHaveLength(0);
  });

  it('sends a test notification: the Bot API receives it, and the console shows each destination’s outcome', async () => {
    await page.getByTestId('send-test-notification').click();
    await page.getByTestId('test-summary').waitFor();
    expect((await page.getByTestId('test-summary').textContent())?.replace(/\s+/g, ' ')).toMatch(/1 of 2 destinations accepted it/);
    const results = page.getByTestId('test-result');
    expect(await results.count()).toBe(2);
    const byDestination = async (chat: string) => (await results.filter({ hasText: chat }).textContent())?.replace(/\s+/g, ' ').trim();
    expect(await byDestination(GOOD_CHAT)).toBe(`Telegram → ${GOOD_CHAT}: Delivered`);
    expect(await byDestination(UNKNOWN_CHAT)).toBe(`Telegram → ${UNKNOWN_CHAT}: Not delivered: Telegram answered 400: Bad Request: chat not found`);
    await page.screenshot({ path: screenshotPath('console-notification-settings.png') });

    // What the fake Telegram received: one sendMessage per chat, the bot token in the path, HTML text.
    await eventually(() => telegram.requests.length >= 2, 'two Bot API requests');
    expect(telegram.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /bot${BOT_TOKEN}/sendMessage`, `POST /bot${BOT_TOKEN}/sendMessage`]);
    expect(telegram.requests.map((r) => String(r.body.chat_id)).sort()).toEqual([GOOD_CHAT, UNKNOWN_CHAT].sort());
    const delivered = telegram.requests.find((r) => String(r.body.chat_id) === GOOD_CHAT)!;
    expect(delivered.body.parse_mode).toBe('HTML');
    expect(delivered.body.text).toContain('Parley test notification');
    expect(delivered.body.text).toContain('Olga Notifications');
  });

  it('sends a test to one channel with its own button', async () => {
    const before = telegram.requests.length;
    await page.getByTestId('send-test-TELEGRAM').click();
    await eventually(() => telegram.requests.length === before + 2, 'two more Bot API requests');
    await eventually(async () => (await page.getByTestId('send-test-TELEGRAM').textContent())?.trim() === 'Send test to Telegram', 'the button back');
    expect(await page.getByTestId('test-result').count()).toBe(2);
  });

  describe('on a server with no channel configured', () => {
    let bare: ApiProcess;
    let barePage: Page;

    beforeAll(async () => {
      bare = await startApi();
      barePage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await signIn(barePage, bare, olga);
    });
    afterAll(async () => {
      await barePage?.context().close();
      await bare?.stop();
    });

    it('shows both channels as not configured and offers no test', async () => {
      await openSettings(barePage);
      for (const channel of ['TELEGRAM', 'EMAIL']) {
        const card = barePage.locator(`[data-testid=notification-channel][data-channel=${channel}]`);
        expect((await card.getByTestId('channel-state').textContent())?.trim()).toBe('Not configured');
      }
      expect(await barePage.getByTestId('send-test-notification').isDisabled()).toBe(true);
      await barePage.getByTestId('nothing-configured').waitFor();
    });

    it("shows the API's BAD_USER_INPUT clearly when the page believed a channel was configured", async () => {
      // The page was loaded while the server still had Telegram (simulated: its settings answer is replaced);
      // the test itself goes to the real API, which has nothing configured now.
      let replaced = false;
      await barePage.route('**/graphql', async (route) => {
        if (replaced || !route.request().postData()?.includes('query NotificationSettings')) return route.continue();
        replaced = true;
        await route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({
            data: {
              notificationSettings: {
                waitingThresholdSeconds: 180,
                channels: [
                  { channel: 'TELEGRAM', configured: true, destinations: [GOOD_CHAT] },
                  { channel: 'EMAIL', configured: false, destinations: [] },
                ],
              },
            },
          }),
        });
      });
      await barePage.reload();
      await barePage.getByTestId('send-test-TELEGRAM').click();
      const error = barePage.getByTestId('test-error');
      await error.waitFor();
      expect((await error.textContent())?.trim()).toBe('Not sent: Telegram is not configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS');
      // It reads the settings again and shows the truth.
      await eventually(
        async () => (await barePage.locator('[data-channel=TELEGRAM] [data-testid=channel-state]').textContent())?.trim() === 'Not configured',
        'Telegram shown as not configured',
      );
      await barePage.screenshot({ path: screenshotPath('console-notification-settings-error.png') });
    });
  });
});
