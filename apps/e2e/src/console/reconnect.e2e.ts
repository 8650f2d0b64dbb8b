import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser } from '../support/browser';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, eventually, givenOperator, graphql, queueItem, runTag, signIn } from './support/console-driver';

/** Stored messages shown in the open chat, by seq (a duplicate would show up twice). */
async function shownSeqs(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=message-list] [data-seq]', (els) => els.map((e) => Number(e.getAttribute('data-seq'))));
}

/**
 * Issue 3, point 8: after a network drop or an API restart the console shows a banner, and on return
 * every chat catches up with `afterSeq` — nothing missing, nothing doubled — and the queue and chat
 * states are read again.
 */
describe('console: losing and regaining the connection', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  let ada: VisitorDriver;
  let bob: VisitorDriver;
  const tag = runTag();
  const visitors: VisitorDriver[] = [];

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Reconnect');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, api, olga);
    ada = await VisitorDriver.start(api, { name: `Ada ${tag}`, firstMessage: 'hello from Ada' });
    bob = await VisitorDriver.start(api, { name: `Bob ${tag}`, firstMessage: 'hello from Bob' });
    visitors.push(ada, bob);
    for (const v of [bob, ada]) {
      await queueItem(page, v.name!).getByTestId('queue-accept').click();
      await page.waitForURL(`**/chats/${v.sessionId}`);
    }
    await page.getByTestId('message-list').getByText('hello from Ada').waitFor();
  });
  afterAll(async () => {
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
  });

  it('network drop: banner at once; on return the open chat, the other chat, the queue and chat states catch up, each message once', async () => {
    await context.setOffline(true);
    await page.getByTestId('connection-banner').waitFor({ timeout: 5_000 });

    // What happens meanwhile: messages in both chats, Bob leaves, a new visitor waits.
    for (let i = 1; i <= 3; i++) await ada.send(`Ada while you were away ${i}`);
    await bob.send('Bob: never mind');
    await graphql(api, 'mutation ($id: ID!) { closeSession(sessionId: $id) { id } }', { id: bob.sessionId }, bob.token);
    const carol = await VisitorDriver.start(api, { name: `Carol ${tag}`, firstMessage: 'I arrived during the outage' });
    visitors.push(carol);

    // The operator keeps typing: the message fails visibly instead of vanishing, and will be sent by itself.
    await page.getByTestId('composer-input').fill('Sorry, my connection dropped');
    await page.getByTestId('composer-input').press('Enter');
    await page.locator('[data-testid=message-outgoing][data-state=failed] [data-testid=message-retrying]').waitFor();

    await context.setOffline(false);
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
    const list = page.getByTestId('message-list');
    await list.getByText('Ada while you were away 3').waitFor();
    const expected = (await ada.history()).map((m) => m.seq);
    await eventually(async () => JSON.stringify(await shownSeqs(page)) === JSON.stringify(expected), 'every message of Ada once, in order');

    await queueItem(page, `Carol ${tag}`).waitFor();
    const bobItem = page.getByTestId('chat-list-item').filter({ hasText: `Bob ${tag}` });
    await bobItem.getByText('closed').waitFor();

    // No answer at all may pass: the failed message went again by itself once the connection was back.
    await list.locator('[data-testid=message]').filter({ hasText: 'Sorry, my connection dropped' }).waitFor();
    expect(await page.locator('[data-testid=message-outgoing]').count()).toBe(0);
    expect((await ada.history()).filter((m) => m.content === 'Sorry, my connection dropped')).toHaveLength(1);
  });

  it('API restart: banner while it is down; messages sent before the console is back arrive once, live ones after', async () => {
    const before = (await ada.history()).length;
    await api.stop();
    await page.getByTestId('connection-banner').waitFor({ timeout: 10_000 });
    // Keep the console away until the restarted API has new messages, so they can only come by catch-up.
    await context.setOffline(true);
    await api.restart();
    for (let i = 1; i <= 2; i++) await ada.send(`Ada after the restart ${i}`);
    await context.setOffline(false);
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
    const list = page.getByTestId('message-list');
    await list.getByText('Ada after the restart 2').waitFor();
    await ada.send('Ada live again');
    await list.getByText('Ada live again').waitFor();
    const expected = (await ada.history()).map((m) => m.seq);
    expect(expected.length).toBe(before + 3);
    await eventually(async () => JSON.stringify(await shownSeqs(page)) === JSON.stringify(expected), 'every message of Ada once after the restart');
  });
});
