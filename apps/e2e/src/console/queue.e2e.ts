import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser } from '../support/browser';
import {
  type OperatorAccount,
  VisitorDriver,
  alerts,
  assertConsoleBuilt,
  emptyWaitingQueue,
  eventually,
  givenOperator,
  queueItem,
  recordAlerts,
  runTag,
  signIn,
} from './support/console-driver';

/**
 * Issue 3, points 2 and 3: the live waiting queue (names, preview, page, ticking wait, count in the tab
 * title, sound and notification for a new chat, both switchable) and accepting — including losing the
 * race to another operator.
 */
describe('console: waiting queue', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let pavel: OperatorAccount;
  let olgaContext: BrowserContext;
  let page: Page;
  const visitors: VisitorDriver[] = [];
  const tag = runTag();

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Queue');
    pavel = await givenOperator(api, 'Pavel Queue');
    await emptyWaitingQueue(api, olga);
    olgaContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await recordAlerts(olgaContext);
    page = await olgaContext.newPage();
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

  it('shows a new chat live, with name, first message, page, ticking wait and the count in the tab title; chime always, notification when hidden', async () => {
    expect(await page.title()).toBe('Parley console');
    await visitor({ name: `Ada ${tag}`, email: `ada-${tag}@example.com`, pageUrl: `https://shop.example/checkout?t=${tag}`, firstMessage: `My card is declined (${tag})` });
    const ada = queueItem(page, `Ada ${tag}`);
    await ada.waitFor();
    expect(await ada.getByTestId('queue-preview').textContent()).toContain(`My card is declined (${tag})`);
    expect(await ada.getByTestId('queue-page').locator('a').getAttribute('href')).toBe(`https://shop.example/checkout?t=${tag}`);
    await eventually(async () => (await page.title()) === '(1) waiting · Parley console', 'count in the title');
    const first = (await ada.getByTestId('queue-waited').textContent())?.trim();
    await page.waitForTimeout(2100);
    const later = (await ada.getByTestId('queue-waited').textContent())?.trim();
    expect(first).toMatch(/^\d+:\d\d$/);
    expect(later).not.toBe(first);
    const chimes = (await alerts(page)).filter((a) => a.kind === 'chime').length;
    expect(chimes).toBeGreaterThan(0);
    expect((await alerts(page)).filter((a) => a.kind === 'notification')).toEqual([]);

    // The tab goes to the background: the next chat also raises a browser notification.
    await page.evaluate(() => ((window as any).__hidden = true));
    await visitor({ name: null, firstMessage: `Anyone there? ${tag}` });
    await eventually(async () => (await page.title()) === '(2) waiting · Parley console', 'count 2 in the title');
    const notification = await eventually(async () => (await alerts(page)).find((a) => a.kind === 'notification'), 'a notification');
    expect(notification.title).toMatch(/^New chat: Visitor #[0-9A-F]{6}$/);
    expect(notification.body).toBe(`Anyone there? ${tag}`);
    await page.getByTestId('queue-visitor').getByText(/^Visitor #[0-9A-F]{6}$/).waitFor();
    await page.evaluate(() => ((window as any).__hidden = false));
  });

  it('stays silent when sound and notifications are switched off (and remembers it)', async () => {
    await page.getByTestId('alert-settings').click();
    await page.getByTestId('toggle-sound').click();
    await page.getByTestId('alert-settings').click();
    await page.getByTestId('toggle-notifications').click();
    await page.reload();
    await page.getByTestId('queue-count').waitFor();
    await page.evaluate(() => ((window as any).__hidden = true));
    const before = (await alerts(page)).length;
    await visitor({ name: `Silent ${tag}`, firstMessage: 'hello' });
    await queueItem(page, `Silent ${tag}`).waitFor();
    await page.waitForTimeout(300);
    expect((await alerts(page)).length).toBe(before);
    await page.evaluate(() => ((window as any).__hidden = false));
    await page.getByTestId('alert-settings').click();
    await page.getByTestId('toggle-sound').click();
    await page.getByTestId('alert-settings').click();
    await page.getByTestId('toggle-notifications').click();
  });

  it('accepts a chat, which leaves the queue and opens', async () => {
    const grace = await visitor({ name: `Grace ${tag}`, firstMessage: 'Pro plan question' });
    const item = queueItem(page, `Grace ${tag}`);
    await item.getByTestId('queue-accept').click();
    await page.waitForURL(`**/console/chats/${grace.sessionId}`);
    await item.waitFor({ state: 'detached' });
    expect(await page.getByTestId('chat-visitor-name').textContent()).toContain(`Grace ${tag}`);
    await page.getByTestId('chat-list-item').filter({ hasText: `Grace ${tag}` }).waitFor();
  });

  it('when a second operator wins the race, the loser sees a notice and the chat leaves the queue — no error dialog', async () => {
    const pavelContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const pavelPage = await pavelContext.newPage();
    // The visitor joins while Pavel's console may still be subscribing: its first snapshot or a later one shows it.
    await signIn(pavelPage, api, pavel);
    const race = await visitor({ name: `Racer ${tag}`, firstMessage: 'who takes me?' });
    const olgaItem = queueItem(page, `Racer ${tag}`);
    const pavelItem = queueItem(pavelPage, `Racer ${tag}`);
    await Promise.all([olgaItem.waitFor(), pavelItem.waitFor()]);

    // Hold Olga's acceptSession until Pavel has won, so the race has a known loser.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/graphql', async (route) => {
      if (route.request().postData()?.includes('AcceptSession')) await held;
      await route.continue();
    });
    await olgaItem.getByTestId('queue-accept').click();
    await pavelItem.getByTestId('queue-accept').click();
    await pavelPage.waitForURL(`**/console/chats/${race.sessionId}`);
    release();

    await page.getByText(`Another operator already accepted the chat with Racer ${tag}.`).waitFor();
    await olgaItem.waitFor({ state: 'detached' });
    expect(await page.locator('mat-dialog-container').count()).toBe(0);
    expect(page.url()).not.toContain(race.sessionId);
    expect(await page.getByTestId('chat-list-item').filter({ hasText: `Racer ${tag}` }).count()).toBe(0);
    await page.unroute('**/graphql');
    await pavelContext.close();
  });

  it('a console opened while a chat waits shows it at once, though the queue does not change again', async () => {
    await visitor({ name: `Early ${tag}`, firstMessage: 'anyone?' });
    await queueItem(page, `Early ${tag}`).waitFor(); // the join's snapshot has been pushed
    // A second tab of Olga's: she is connected already, so its socket changes no presence and nothing
    // broadcasts the queue again; only its subscription's first snapshot can show the chat.
    const secondTab = await olgaContext.newPage();
    try {
      await secondTab.goto(`${api.url}/console/`);
      await queueItem(secondTab, `Early ${tag}`).waitFor({ timeout: 5000 });
    } finally {
      await secondTab.close();
    }
  });
});
