/**
 * A site not in the API's ALLOWED_ORIGINS: the widget says at once that chat is not available here, writes
 * one console error for the site's developers naming ALLOWED_ORIGINS, and does not try again and again
 * (it used to say "Sending…" forever, reconnecting in a loop, with nothing in the console).
 */
import type { BrowserContext } from 'playwright-core';
import { launchProfile, screenshotPath } from '../support/browser';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, WidgetOnPage } from './support/widget-page';

let server: WidgetApi;
let profile: BrowserContext;

beforeAll(async () => {
  // The API always allows its own origin (PUBLIC_URL, http://127.0.0.1:<port>): the page is opened as
  // http://localhost:<port>, another origin, which is not in the list.
  server = await startWidgetApi({ ALLOWED_ORIGINS: 'https://shop.example.com' });
  profile = await launchProfile();
});

afterAll(async () => {
  await profile?.close().catch(() => undefined);
  await server?.stop();
});

it('shows "Chat is not available on this site", logs one console error naming ALLOWED_ORIGINS, and opens no more sockets', async () => {
  const page = await profile.newPage();
  await page.setViewportSize({ width: 1100, height: 760 });
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && m.text().startsWith('Parley') && errors.push(m.text())));
  let sockets = 0;
  page.on('websocket', () => sockets++);
  const site = `http://localhost:${server.api.port}`;
  await page.goto(`${site}/demo`);
  const w = new WidgetOnPage(page);
  await w.ready();
  await w.open();
  await w.prechat('Shop Visitor', 'visitor@example.com');
  await w.send('Is this bike in stock?');
  await waitForText(w.notice, 'Chat is not available on this site.');
  expect(errors).toEqual([expect.stringMatching(/ALLOWED_ORIGINS/)]);
  expect(errors[0]).toContain(site);
  await page.screenshot({ path: screenshotPath('widget-origin-not-allowed.png') });
  const opened = sockets;
  await page.waitForTimeout(5000); // a retry loop would open another socket within 0.25–0.75 s, then 0.5–1.5 s …
  expect(sockets).toBe(opened);
  expect(opened).toBe(1);
  expect(errors).toHaveLength(1);
  // The message is kept (a later visit, once the site is allowed, sends it), not shown as being sent.
  expect(await w.status('Is this bike in stock?').textContent()).not.toBe('Sending…');
});
