/**
 * The operator writes while the API cannot reach PostgreSQL: a TCP proxy between the API and the database
 * drops every connection and refuses new ones, so `sendMessage` is refused `SERVICE_UNAVAILABLE`
 * (retryable). The console shows the reply as not sent and retrying, with Retry, and sends it again by
 * itself with backoff (the same `clientMessageId`); once the database is back the reply is stored once and
 * reaches the visitor once, without the operator clicking anything. (Before, it stayed "Not sent" until
 * the operator clicked Retry.)
 *
 * The machine's PostgreSQL is never stopped: only this API's way to it is cut.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, E2E_DATABASE_URL, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, eventually, givenOperator, queueItem, runTag, signIn } from './support/console-driver';

describe('console: replying while the API cannot reach PostgreSQL', () => {
  let database: TcpProxy;
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  let ada: VisitorDriver | undefined;
  const tag = runTag();

  beforeAll(async () => {
    assertConsoleBuilt();
    database = await startTcpProxy(Number(new URL(E2E_DATABASE_URL).port || 5432));
    const proxied = new URL(E2E_DATABASE_URL);
    proxied.port = new URL(database.url).port;
    api = await startApi({ DATABASE_URL: proxied.toString() });
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Outage');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    database?.restore();
    await ada?.stop();
    await browser?.close();
    await api?.stop();
    await database?.close();
  });

  it('the reply shows as not sent and retrying, then reaches the visitor once when the database is back, with no click', async () => {
    ada = await VisitorDriver.start(api, { name: `Ada ${tag}`, firstMessage: 'Is my order on its way?' });
    ada.watch();
    await queueItem(page, `Ada ${tag}`).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    const list = page.getByTestId('message-list');
    await list.getByText('Is my order on its way?').waitFor();

    // Every sendMessage the console posts, and those the API refused SERVICE_UNAVAILABLE.
    const sends: string[] = [];
    const refusals: string[] = [];
    page.on('request', (request) => {
      const body = request.postData() ?? '';
      if (request.method() === 'POST' && body.includes('"operationName":"SendMessage"')) sends.push(body);
    });
    page.on('response', (response) => {
      if (!(response.request().postData() ?? '').includes('"operationName":"SendMessage"')) return;
      void response
        .text()
        .then((text) => text.includes('SERVICE_UNAVAILABLE') && refusals.push(text))
        .catch(() => undefined);
    });

    const reply = 'Yes, it left the warehouse this morning.';
    database.cut();
    await page.getByTestId('composer-input').fill(reply);
    await page.getByTestId('composer-input').press('Enter');
    const outgoing = page.locator('[data-testid=message-outgoing]').filter({ hasText: reply });
    await outgoing.locator('[data-testid=message-retrying]').waitFor({ timeout: 20_000 });
    expect(await outgoing.getAttribute('data-state')).toBe('failed');
    expect(await outgoing.getByTestId('message-failed').textContent()).toContain('Not sent');
    await outgoing.getByTestId('message-retry').waitFor(); // Retry stays, to try at once
    await page.screenshot({ path: screenshotPath('console-database-outage.png') });
    // Sent again by itself meanwhile (after 1 s, then 2 s …), refused again while the database is away.
    await eventually(() => refusals.length > 1, 'a second refused sendMessage without a click', 20_000);
    const ids = new Set(sends.map((body) => (JSON.parse(body) as { variables: { input: { clientMessageId: string } } }).variables.input.clientMessageId));
    expect(ids.size).toBe(1); // the same clientMessageId every time

    database.restore();
    // The next attempt comes at most 30 s after the last (sooner once the chat's stream is re-read).
    await list.locator('[data-testid=message]').filter({ hasText: reply }).waitFor({ timeout: 45_000 });
    expect(await outgoing.count()).toBe(0);
    await ada.nextEvent((e) => e.__typename === 'MessageCreated' && e.message.content === reply, 'the reply at the visitor', 20_000);
    const history = await eventually(() => ada!.history(), 'the chat readable again', 20_000);
    expect(history.filter((m) => m.content === reply)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a duplicate event would have come by now
    expect(ada.events.filter((e) => e?.__typename === 'MessageCreated' && e.message.content === reply)).toHaveLength(1);
    expect(await list.locator('[data-testid=message]').filter({ hasText: reply }).count()).toBe(1);
    await page.screenshot({ path: screenshotPath('console-database-outage-sent.png') });
  }, 150_000);
});
