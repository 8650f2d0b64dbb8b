/**
 * The visitor writes while the API cannot reach PostgreSQL: a TCP proxy between the API and the database
 * drops every connection and refuses new ones. `sendMessage` is refused `SERVICE_UNAVAILABLE` (retryable)
 * on a widget socket that stays open. The widget shows the message as not sent, with Retry, and sends it
 * again by itself with backoff (the same `clientMessageId`); once the database is back, the message is
 * stored once and the operator reads it, without the visitor clicking anything. (Before, it stayed "Not
 * sent" until the visitor clicked Retry.)
 *
 * The machine's PostgreSQL is never stopped: only this API's way to it is cut.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { E2E_DATABASE_URL } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { eventually, OperatorDriver } from './support/operator';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { refusedOperations, waitForText, WidgetOnPage } from './support/widget-page';

let database: TcpProxy;
let server: WidgetApi;
let browser: Browser;
let context: BrowserContext;
let operator: OperatorDriver;

beforeAll(async () => {
  database = await startTcpProxy(Number(new URL(E2E_DATABASE_URL).port || 5432));
  server = await startWidgetApi({}, Number(new URL(database.url).port));
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, 'Dana Ops');
  await operator.setPresence('ONLINE');
});

afterAll(async () => {
  database?.restore();
  await context?.close();
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
  await database?.close();
});

it('PostgreSQL unreachable: the visitor’s message shows as being retried and is sent by itself, once, when the database is back', async () => {
  context = await browser.newContext({ viewport: { width: 420, height: 720 } });
  const page = await context.newPage();
  // The visitor's socket as the browser sees it: each sendMessage the API refuses SERVICE_UNAVAILABLE.
  const refusals = refusedOperations(page, 'sendMessage(');
  await page.goto(`${server.api.url}/demo`);
  const w = new WidgetOnPage(page);
  await w.open();
  await w.prechat();
  await w.send('Do you ship to Norway?');
  const session = await operator.waitForWaiting('Do you ship to Norway?');
  await operator.accept(session.id);
  await operator.send(session.id, 'Let me look that up.');
  await w.waitForLines(['Do you ship to Norway?', 'Dana Ops joined the chat', 'Let me look that up.']);

  database.cut();
  await w.send('And to Iceland?');
  // Shown as being sent again by itself (no Retry: nothing for the visitor to do).
  await waitForText(w.status('And to Iceland?'), 'Not sent yet · retrying…', 20_000);
  expect(refusals.length).toBeGreaterThan(0);
  expect(await w.line('And to Iceland?').locator('button.retry').count()).toBe(0);
  await page.screenshot({ path: screenshotPath('widget-database-outage.png') });
  // Sent again by itself meanwhile (1 s, then 2 s …), refused again while the database is away.
  await eventually(() => new Set(refusals).size > 1, 'a second sendMessage without a click', 20_000);

  database.restore();
  await waitForText(w.status('And to Iceland?'), 'Sent', 45_000); // the next attempt: at most 30 s after the last
  const stored = await eventually(async () => (await operator.session(session.id)).messages, 'the session readable again', 20_000);
  expect(stored.filter((m: { content: string }) => m.content === 'And to Iceland?')).toHaveLength(1);
  await w.waitForLines(['Do you ship to Norway?', 'Dana Ops joined the chat', 'Let me look that up.', 'And to Iceland?']);
  await page.screenshot({ path: screenshotPath('widget-database-outage-sent.png') });
}, 150_000);
