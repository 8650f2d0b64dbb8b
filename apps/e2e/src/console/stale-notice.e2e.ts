import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, eventually, givenOperator, queueItem, runTag, signIn } from './support/console-driver';

/** Where the local Redis listens (README: `127.0.0.1:6379`). */
const REDIS_PORT = 6379;

/**
 * While the API cannot reach Redis, a new `queueUpdated` subscription fails with `SERVICE_UNAVAILABLE`
 * (`retryable: true`) and the console subscribes again and again on a socket that is up: the waiting queue
 * then says, calmly, that it may be out of date — no connection banner, no error — until a fresh snapshot
 * comes. The API reaches Redis through a TCP proxy the test cuts, so Redis itself is never touched.
 *
 * The console's subscription is the only one on the instance: its renewal during the outage is the
 * channel's first SUBSCRIBE, which fails (graphql-redis-subscriptions once left that failure unhandled and
 * the API process exited; `LocalFirstPubSub.subscribe`).
 */
describe('console: a live list that may be out of date', () => {
  let redis: TcpProxy;
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  const visitors: VisitorDriver[] = [];
  const tag = runTag();

  beforeAll(async () => {
    assertConsoleBuilt();
    redis = await startTcpProxy(REDIS_PORT);
    api = await startApi({ REDIS_URL: redis.url.replace(/^http/, 'redis') });
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Stale');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    redis?.restore();
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
    await redis?.close();
  });

  /** A visitor joining the queue, retried while the API has not got Redis back yet. */
  async function join(name: string): Promise<VisitorDriver> {
    const visitor = await eventually(() => VisitorDriver.start(api, { name, firstMessage: `hello from ${name}` }).catch(() => undefined), `${name} joined`, 20_000);
    visitors.push(visitor);
    return visitor;
  }

  it('Redis unreachable: the queue keeps its rows and says it may be out of date; a fresh snapshot clears it', async () => {
    await join(`Ada ${tag}`);
    // More than the panel shows at once: the notice must stay in view while the queue is scrolled.
    for (let i = 1; i <= 10; i++) await join(`Visitor ${i} ${tag}`);
    const notice = page.locator('parley-queue-list [data-testid=stale-notice]');
    const banner = page.getByTestId('connection-banner');
    await queueItem(page, `Ada ${tag}`).waitFor();
    expect(await notice.count()).toBe(0);

    redis.cut();
    // The open subscription outlives a Redis outage on the server; renewing the socket makes the console
    // subscribe anew, which the API cannot serve without Redis.
    await context.setOffline(true);
    await banner.waitFor();
    await context.setOffline(false);
    await banner.waitFor({ state: 'detached', timeout: 20_000 });
    await notice.waitFor({ timeout: 20_000 });

    expect(await notice.textContent()).toContain('Reconnecting to the waiting queue… It may be out of date');
    expect(await page.locator('parley-queue-list [role=status][aria-live=polite] [data-testid=stale-notice]').count()).toBe(1);
    expect(await banner.count()).toBe(0); // the socket is up: no connection banner, no error
    await queueItem(page, `Ada ${tag}`).waitFor(); // what it had stays on screen
    await page.locator('parley-queue-list [data-testid=queue-item]').last().scrollIntoViewIfNeeded();
    const shown = (await notice.boundingBox())!;
    const panel = (await page.locator('.panel').boundingBox())!;
    expect(shown.y).toBeGreaterThanOrEqual(panel.y); // sticky at the top of the scrolled panel, not scrolled away
    expect(shown.y + shown.height).toBeLessThanOrEqual(panel.y + panel.height);
    await page.screenshot({ path: screenshotPath('console-stale-queue.png') });

    redis.restore();
    await notice.waitFor({ state: 'detached', timeout: 20_000 });
    await join(`Bob ${tag}`);
    await queueItem(page, `Bob ${tag}`).waitFor(); // live again
    expect(await notice.count()).toBe(0);
  });
});
