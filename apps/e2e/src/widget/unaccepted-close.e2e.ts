/**
 * A chat no operator ever joined (never accepted), ended by the visitor: nobody to rate, so the widget does
 * not ask "How was this chat?" (the API would still take a rating; the widget just does not ask for one).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import { OperatorDriver } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, WidgetOnPage } from './support/widget-page';

let server: WidgetApi;
let browser: Browser;
let context: BrowserContext;
let operator: OperatorDriver;

beforeAll(async () => {
  server = await startWidgetApi();
  operator = await OperatorDriver.start(server.api, 'Ola Ops');
  browser = await launchBrowser();
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await operator?.dispose();
  await server?.stop();
});

it('ending a chat nobody accepted shows no rating step, only a new chat', async () => {
  context = await browser.newContext({ viewport: { width: 420, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${server.api.url}/demo`);
  const w = new WidgetOnPage(page);
  await w.open();
  await w.prechat();
  await w.send('Never mind, found it');
  await operator.waitForWaiting('Never mind, found it');
  await waitForText(w.status('Never mind, found it'), 'Sent');
  await page.locator('parley-widget button.leave').click();
  await waitForText(w.closedBox.locator('p').first(), 'You ended the chat.');
  await page.locator('parley-widget .closed button.new-chat').waitFor();
  expect(await page.locator('parley-widget form.rate').count()).toBe(0);
  expect(await w.closedBox.textContent()).not.toContain('How was this chat?');
  await page.screenshot({ path: screenshotPath('widget-unaccepted-chat-ended.png') });
  // After a reload, still not asked.
  await page.reload();
  await w.open();
  await page.locator('parley-widget .closed button.new-chat').waitFor();
  expect(await page.locator('parley-widget form.rate').count()).toBe(0);
});
