/**
 * Issue 4, "Embedding" and "Budgets": on a customer's page (another origin, aggressive global CSS and
 * globals) the widget looks and works the same and changes nothing of the page; widget.js is the only
 * request before the visitor opens the chat, within 10 KB gzip, what opening loads stays within 40 KB gzip,
 * and until opening there is at most one WebSocket. Also the npm import in a single-page app.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import { OperatorDriver } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, WidgetOnPage } from './support/widget-page';

const HOSTILE = readFileSync(path.resolve(__dirname, '../../../widget/demo/hostile.html'), 'utf8');
/** The built `@parley/widget` package, as a bundler would put it into an app's own script. */
const NPM_PACKAGE = path.resolve(__dirname, '../../../../dist/apps/widget/npm/index.js');

let server: WidgetApi;
let browser: Browser;
let operator: OperatorDriver;
let customer: Server;
/** The customer's site: another origin (another port) than the Parley API. */
let customerUrl: string;

beforeAll(async () => {
  server = await startWidgetApi();
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, 'Olga Support');
  customer = createServer((req, res) => {
    if (req.url?.startsWith('/spa')) {
      // A single-page app that bundled @parley/widget (its code inlined, as a bundler would) and calls loadParley.
      const bundled = readFileSync(NPM_PACKAGE, 'utf8').replace(/export\s*\{\s*loadParley\s*\};?/, '');
      const app = `const parley = await loadParley({ url: ${JSON.stringify(server.api.url)}, prechat: 'off' });
        parley.identify({ name: 'Spa User', email: 'spa.user@example.com' });
        document.getElementById('help').addEventListener('click', () => parley.open());
        window.spaReady = parley.version;`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><title>SPA</title></head><body><h1>App</h1><button type="button" id="help">Help</button><script type="module">${bundled}\n${app}</script></body></html>`);
      return;
    }
    if (req.url?.startsWith('/strict')) {
      // A site with a strict Content-Security-Policy: no inline styles or scripts, only the Parley origin.
      const csp = `default-src 'none'; script-src ${server.api.url}; connect-src ${server.api.wsUrl}; style-src 'none'; img-src 'none'`;
      const body = `<!doctype html><html lang="en"><head><title>Strict</title></head><body><h1>Strict CSP</h1><script src="${server.api.url}/widget.js" data-parley-url="${server.api.url}" async></script></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp }).end(body);
      return;
    }
    const withWidget = !req.url?.includes('widget=off');
    const snippet = withWidget ? `<script src="${server.api.url}/widget.js" data-parley-url="${server.api.url}" async></script>` : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HOSTILE.replace('<script src="/widget.js" async></script>', snippet));
  });
  await new Promise<void>((resolve) => customer.listen(0, '127.0.0.1', resolve));
  customerUrl = `http://127.0.0.1:${(customer.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => customer?.close(resolve));
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
});

/** Opens the hostile customer page, with the embedding snippet pointing at the API (or without it). */
async function customerPage(page: Page, withWidget: boolean): Promise<void> {
  await page.goto(`${customerUrl}/products${withWidget ? '' : '?widget=off'}`);
}

/** Everything about the host page the widget must not change: styles, layout, globals, head. */
function hostSnapshot(page: Page) {
  return page.evaluate(() => {
    const describe = (el: Element) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return [el.tagName, r.x, r.y, r.width, r.height, s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.margin, s.display, s.position].join('|');
    };
    return {
      elements: Array.from(document.querySelectorAll('html, head *:not(script), body, body *:not(script)')).map(describe),
      scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight, window.scrollX, window.scrollY],
      globals: Object.keys(window).sort(),
      bodyChildren: document.body.querySelectorAll(':scope > :not(script)').length,
    };
  });
}

it('on a page with aggressive global CSS, on another origin: looks and works the same, and leaves the page untouched', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const bare = await context.newPage();
  await customerPage(bare, false);
  const before = await hostSnapshot(bare);

  const page = await context.newPage();
  await customerPage(page, true);
  const w = new WidgetOnPage(page);
  await w.ready();

  // The launcher is where and what it should be, whatever the page's CSS says.
  expect(await w.launcher.boundingBox()).toEqual({ x: 1280 - 20 - 60, y: 800 - 20 - 60, width: 60, height: 60 });
  await w.open();
  const panel = await w.panel.boundingBox();
  expect(panel).toMatchObject({ x: 1280 - 20 - 380, width: 380 });
  const look = await page.locator('parley-widget .title').evaluate((el) => {
    const s = getComputedStyle(el);
    return { font: s.fontFamily, size: s.fontSize, transform: s.textTransform, style: s.fontStyle, spacing: s.letterSpacing, shadow: s.textShadow };
  });
  expect(look).toEqual({ font: expect.not.stringContaining('Comic'), size: '17px', transform: 'none', style: 'normal', spacing: 'normal', shadow: 'none' });

  // It works: pre-chat, a message, confirmed; the operator gets it.
  await w.prechat('Hostile Page Visitor');
  await w.send('Works on a hostile page?');
  await waitForText(w.status('Works on a hostile page?'), 'Sent');
  await operator.waitForWaiting('Works on a hostile page?');
  await page.screenshot({ path: screenshotPath('widget-hostile-page.png') });

  // And the page is exactly as without the widget, but for window.Parley.
  const after = await hostSnapshot(page);
  expect(after.elements).toEqual(before.elements);
  expect(after.scroll).toEqual(before.scroll);
  expect(after.bodyChildren).toBe(before.bodyChildren);
  expect(after.globals.filter((g) => !before.globals.includes(g))).toEqual(['Parley']);
  expect(before.globals.filter((g) => !after.globals.includes(g))).toEqual([]);
  await context.close();
});

it('works on a page with a strict Content-Security-Policy (no inline styles, only the Parley origin)', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(`${customerUrl}/strict`);
  const w = new WidgetOnPage(page);
  await w.ready();
  expect(await w.launcher.boundingBox()).toEqual({ x: 1280 - 20 - 60, y: 800 - 20 - 60, width: 60, height: 60 });
  await w.open();
  expect(await w.panel.boundingBox()).toMatchObject({ x: 1280 - 20 - 380, width: 380 });
  await w.prechat();
  await w.send('Hello under CSP');
  await waitForText(w.status('Hello under CSP'), 'Sent');
  expect(violations).toEqual([]);
  await context.close();
});

it('budgets: only widget.js (≤ 10 KB gzip) before opening, ≤ 40 KB gzip loaded on open, at most one WebSocket until opened', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const parley: { path: string; gzip: Promise<number> }[] = [];
  const sockets: string[] = [];
  page.on('response', (response) => {
    if (!response.url().startsWith(server.api.url)) return;
    // A 3xx carries no body for Playwright: a revalidated file (304 Not Modified; entry points are sent no-cache
    // with validators) transfers none.
    const redirectLike = response.status() >= 300 && response.status() < 400;
    const gzip = redirectLike ? Promise.resolve(0) : response.body().then((b) => gzipSync(b, { level: 9 }).length);
    parley.push({ path: new URL(response.url()).pathname, gzip });
  });
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await customerPage(page, true);
  const w = new WidgetOnPage(page);
  await w.ready();
  await page.waitForTimeout(1000);
  expect(parley.map((r) => r.path)).toEqual(['/widget.js']);
  const launcherGzip = await parley[0].gzip;
  expect(launcherGzip).toBeLessThanOrEqual(10 * 1024);
  expect(sockets).toEqual([]);

  await w.open();
  await page.locator('parley-widget form.prechat').waitFor();
  const onOpen = parley.slice(1);
  expect(onOpen.map((r) => r.path)).toEqual([expect.stringMatching(/^\/widget\/chat-[A-Z0-9]+\.js$/)]);
  const lazyGzip = (await Promise.all(onOpen.map((r) => r.gzip))).reduce((a, b) => a + b, 0);
  expect(lazyGzip).toBeLessThanOrEqual(40 * 1024);
  expect(sockets).toEqual([]); // a new visitor connects only when writing
  process.stdout.write(`widget.js ${launcherGzip} B gzip; loaded on open ${lazyGzip} B gzip\n`);

  // A returning visitor with an open chat: exactly one WebSocket before opening (for the unread badge).
  await w.prechat();
  await w.send('Budget check');
  await waitForText(w.status('Budget check'), 'Sent');
  sockets.length = 0;
  await page.reload();
  await w.ready();
  await page.waitForTimeout(1500);
  expect(sockets).toEqual([`${server.api.wsUrl}`]);
  await context.close();
});

it('loads from a single-page app with the npm package (loadParley)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${customerUrl}/spa`);
  await page.waitForFunction(() => (window as any).spaReady);
  await page.click('#help');
  const w = new WidgetOnPage(page);
  await w.composer.waitFor(); // pre-chat off and identified
  await w.send('Hello from the SPA');
  const session = await operator.waitForWaiting('Hello from the SPA');
  expect(session.visitor).toEqual({ name: 'Spa User', email: 'spa.user@example.com' });
  await context.close();
});
