import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import {
  type OperatorAccount,
  VisitorDriver,
  assertConsoleBuilt,
  emptyWaitingQueue,
  eventually,
  givenOperator,
  queueItem,
  runTag,
  signIn,
} from './support/console-driver';

/** Stored messages shown in the open chat, by seq (duplicates would show up twice). */
async function shownSeqs(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=message-list] [data-seq]', (els) => els.map((e) => Number(e.getAttribute('data-seq'))));
}

/**
 * Issue 3, points 4, 5, 6 and 9: several chats with unread counts, the whole history (older on scroll),
 * grouped messages and system lines, Enter / Shift+Enter, instant display and confirmation, failed send
 * with retry, typing both ways, visitor presence, closing with a resolution, the searchable history, and
 * visitor text that must never run.
 */
describe('console: chatting with visitors', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  const tag = runTag();
  const visitors: VisitorDriver[] = [];
  let ada: VisitorDriver;

  beforeAll(async () => {
    assertConsoleBuilt();
    // The first test writes 75 messages as one visitor: above the default 60 a minute (RATE_LIMITED).
    api = await startApi({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Chat');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
  });

  async function visitor(fields: Parameters<typeof VisitorDriver.start>[1]) {
    const v = await VisitorDriver.start(api, fields);
    visitors.push(v);
    return v;
  }

  it('accepts a long chat: the latest messages first, older ones when scrolling up, each message once', async () => {
    ada = await visitor({ name: `Ada ${tag}`, email: `ada.${tag}@example.com`, pageUrl: 'https://shop.example/orders', firstMessage: `first words ${tag}` });
    for (let i = 2; i <= 75; i++) await ada.send(`visitor line ${i}`);
    ada.watch();
    await queueItem(page, `Ada ${tag}`).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    await page.getByText('visitor line 75').waitFor();
    // The joined system line is stored as message 76 and shown as a line of its own.
    await page.getByTestId('system-line').filter({ hasText: 'Olga Chat' }).waitFor();
    expect(await page.getByText(`first words ${tag}`).count()).toBe(0);

    const list = page.getByTestId('message-list');
    for (let i = 0; i < 10 && (await page.getByText(`first words ${tag}`).count()) === 0; i++) {
      await list.evaluate((el) => (el.scrollTop = 0));
      await page.waitForTimeout(300);
    }
    await page.getByText(`first words ${tag}`).waitFor();
    await page.getByText('Start of the conversation').waitFor();
    const seqs = await shownSeqs(page);
    expect(seqs).toEqual(Array.from({ length: 76 }, (_, i) => i + 1));
  });

  it('groups consecutive messages of one sender under one header with a time', async () => {
    const groups = page.locator('.group[data-role=VISITOR]');
    const head = groups.last().locator('.group-head');
    expect(await head.textContent()).toContain(`Ada ${tag}`);
    expect(await head.locator('time').textContent()).toMatch(/\d{1,2}:\d\d/);
    expect(await groups.last().getByTestId('message').count()).toBeGreaterThan(1);
  });

  it('sends with Enter (new line with Shift+Enter), shows the message at once and marks it sent', async () => {
    const composer = page.getByTestId('composer-input');
    await composer.click();
    await composer.pressSequentially('Hello Ada,');
    const typing = await ada.nextEvent((e) => e.__typename === 'TypingChanged' && e.senderRole === 'OPERATOR' && e.isTyping, "operator's typing");
    expect(typing.isTyping).toBe(true);
    await composer.press('Shift+Enter');
    await composer.pressSequentially('how can I help?');
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe('');
    const mine = page.locator('.group.mine').last();
    await mine.getByText('how can I help?').waitFor();
    const received = await ada.nextEvent((e) => e.__typename === 'MessageCreated' && e.message.senderRole === 'OPERATOR', 'the operator message');
    expect(received.message.content).toBe('Hello Ada,\nhow can I help?');
    expect(received.message.senderName).toBe('Olga Chat');
    await page.locator(`[data-seq="${received.message.seq}"] [data-testid=message-sent]`).waitFor();
  });

  it("shows the visitor's typing and messages live; the visitor is shown online (their socket is open)", async () => {
    await eventually(async () => (await page.getByTestId('visitor-presence').getAttribute('data-presence')) === 'ONLINE', 'the visitor shown online');
    expect((await page.getByTestId('visitor-presence').textContent())?.trim()).toBe('Online');
    await ada.typing(true);
    await page.getByTestId('visitor-typing').filter({ hasText: `Ada ${tag} is typing` }).waitFor();
    await ada.send('It is about order 1234');
    await page.getByTestId('message-list').getByText('It is about order 1234').waitFor();
    await page.getByTestId('visitor-typing').waitFor({ state: 'detached' });
  });

  it('keeps a failed message visible with a retry that delivers it once', async () => {
    await page.route('**/graphql', (route) => (route.request().postData()?.includes('SendMessage') ? route.abort('internetdisconnected') : route.continue()));
    const composer = page.getByTestId('composer-input');
    await composer.fill('Checking order 1234 now');
    await composer.press('Enter');
    const failed = page.locator('[data-testid=message-outgoing][data-state=failed]');
    await failed.waitFor();
    expect(await failed.textContent()).toContain('Not sent');
    await page.unroute('**/graphql');
    await failed.getByTestId('message-retry').click();
    await failed.waitFor({ state: 'detached' });
    await page.locator('[data-testid=message]').filter({ hasText: 'Checking order 1234 now' }).waitFor();
    await ada.nextEvent((e) => e.__typename === 'MessageCreated' && e.message.content === 'Checking order 1234 now', 'the retried message');
    const copies = (await ada.history()).filter((m) => m.content === 'Checking order 1234 now');
    expect(copies).toHaveLength(1);
  });

  it('works several chats at once with unread counts', async () => {
    const bob = await visitor({ name: `Bob ${tag}`, firstMessage: 'Second chat here' });
    await queueItem(page, `Bob ${tag}`).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${bob.sessionId}`);
    await ada.send('Are you still there?');
    await ada.send('Hello?');
    const adaItem = page.getByTestId('chat-list-item').filter({ hasText: `Ada ${tag}` });
    await eventually(async () => (await adaItem.getByTestId('chat-unread').textContent())?.trim() === '2', 'unread count 2 on Ada');
    expect(await page.getByTestId('chat-list-item').count()).toBe(2);
    await adaItem.click();
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    await page.getByTestId('message-list').getByText('Hello?').waitFor();
    await adaItem.getByTestId('chat-unread').waitFor({ state: 'detached' });
  });

  it('shows everything a visitor typed as text: markup never runs, only http(s) URLs become links', async () => {
    const evil = await visitor({
      name: `<img src=x onerror="window.__xss=1">${tag}`,
      pageUrl: 'https://shop.example/help?q=1',
      firstMessage: '<script>window.__xss=3</script><b>bold?</b> javascript:alert(1) https://docs.example/help',
    });
    const label = `<img src=x onerror="window.__xss=1">${tag}`;
    const item = queueItem(page, label);
    await item.waitFor();
    expect(await item.getByTestId('queue-preview').textContent()).toContain('<script>window.__xss=3</script><b>bold?</b>');
    await item.getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${evil.sessionId}`);
    await evil.send('<iframe src="javascript:window.__xss=4"></iframe> <a href="javascript:window.__xss=5">click</a>');
    await page.getByTestId('message-list').getByText('<iframe src="javascript:window.__xss=4"></iframe>', { exact: false }).waitFor();
    expect(await page.getByTestId('chat-visitor-name').textContent()).toContain(label);
    const list = page.getByTestId('message-list');
    expect(await list.locator('img, script, iframe, b').count()).toBe(0);
    const hrefs = await list.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['https://docs.example/help']);
    for (const link of await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))) {
      expect(link.toLowerCase()).not.toContain('javascript:');
    }
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  });

  it('closes a chat with a resolution; it leaves my chats and is found in the history by name, e-mail and text', async () => {
    await page.getByTestId('chat-list-item').filter({ hasText: `Ada ${tag}` }).click();
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    await page.getByTestId('close-chat').click();
    const dialog = page.locator('mat-dialog-container');
    await dialog.getByTestId('confirm-close').click();
    await dialog.getByText('A resolution is required').waitFor();
    await dialog.getByRole('option', { name: 'Problem solved' }).click();
    const resolution = dialog.getByTestId('resolution-input');
    expect(await resolution.inputValue()).toBe('Problem solved');
    await resolution.fill(`Refund issued for order 1234 (${tag})`);
    await dialog.getByTestId('confirm-close').click();
    await dialog.waitFor({ state: 'detached' });
    const closed = await ada.nextEvent((e) => e.__typename === 'SessionClosed', 'SessionClosed at the visitor');
    expect(closed.resolution).toBe(`Refund issued for order 1234 (${tag})`);
    await page.getByTestId('chat-list-item').filter({ hasText: `Ada ${tag}` }).waitFor({ state: 'detached' });
    await ada.rate(4, `Quick refund <b>${tag}</b>`);

    await page.getByTestId('history-link').click();
    const search = page.getByTestId('history-search');
    for (const term of [`Ada ${tag}`, `ada.${tag}@example`, `first words ${tag}`]) {
      await search.fill(term);
      const items = page.getByTestId('history-item');
      await eventually(async () => (await items.count()) === 1 && (await items.first().getAttribute('data-session-id')) === ada.sessionId, `history hit for "${term}"`);
    }
    await search.fill(`no such chat ${tag}`);
    await page.getByTestId('history-empty').waitFor();
    await search.fill(`ada.${tag}@example`);
    await page.getByTestId('history-item').first().click();
    await page.getByTestId('chat-resolution').filter({ hasText: `Refund issued for order 1234 (${tag})` }).waitFor();
    await page.getByTestId('message-list').getByText('Hello?').waitFor();
    // The visitor's rating, its comment as text.
    const rating = page.getByTestId('chat-rating');
    expect((await rating.textContent())?.replace(/\s+/g, ' ').trim()).toBe(`Rated 4 of 5 by the visitor: “Quick refund <b>${tag}</b>”`);
    await page.screenshot({ path: screenshotPath('console-transcript-rating.png') });
  });
});
