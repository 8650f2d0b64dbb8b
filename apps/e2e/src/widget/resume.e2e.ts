/**
 * Issue 4, point 4 and the JavaScript API: the same chat after a reload and after the browser comes back,
 * two visitors kept apart, `Parley.identify` starting clean for another person, `Parley.on('message')`.
 */
import jwt from 'jsonwebtoken';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, launchBrowser, screenshotPath } from '../support/browser';
import { eventually, OperatorDriver } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, waitHidden, WidgetOnPage } from './support/widget-page';

let server: WidgetApi;
let browser: Browser;
let operator: OperatorDriver;

/** The API's JWT secret here, so a test can sign a guest token as the API would have, days ago. */
const JWT_SECRET = 'parley-e2e-resume-secret-0000000000000000';

beforeAll(async () => {
  server = await startWidgetApi({ JWT_SECRET });
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, 'Mark Stone');
  await operator.setPresence('ONLINE');
});

afterAll(async () => {
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
});

/** Opens the widget on /demo in a new page of `context`. */
async function demo(context: { newPage(): Promise<import('playwright-core').Page> }, query = '') {
  const page = await context.newPage();
  await page.goto(`${server.api.url}/demo${query}`);
  const w = new WidgetOnPage(page);
  await w.ready();
  return w;
}

it('keeps the same chat and its history across a reload and when the visitor comes back later in the same browser', async () => {
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'parley-profile-'));
  const launch = () => chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  let context = await launch();
  let w = await demo(context);
  await w.open();
  await w.prechat();
  await w.send('Is my order #1042 shipped?');
  const session = await operator.waitForWaiting('Is my order #1042 shipped?');
  await operator.accept(session.id);
  await operator.send(session.id, 'Let me check.');
  await w.waitForLines(['Is my order #1042 shipped?', 'Mark Stone joined the chat', 'Let me check.']);

  // Reload: the same chat and its history, then live messages again.
  await w.page.reload();
  await w.ready();
  await w.open();
  await w.waitForLines(['Is my order #1042 shipped?', 'Mark Stone joined the chat', 'Let me check.']);
  await waitForText(w.subtitle, 'You are chatting with Mark Stone');
  await operator.send(session.id, 'It left the warehouse today.');
  await w.line('It left the warehouse today.').waitFor();

  // Leave: close the browser; the operator writes meanwhile; come back later in the same browser.
  await context.close();
  await operator.send(session.id, 'Tracking number: NW-884-21.');
  context = await launch();
  w = await demo(context);
  await waitForText(w.badge, '1'); // the unread message, before opening
  await w.open();
  await w.waitForLines(['Is my order #1042 shipped?', 'Mark Stone joined the chat', 'Let me check.', 'It left the warehouse today.', 'Tracking number: NW-884-21.']);
  await w.send('Thanks!');
  await eventually(async () => (await operator.session(session.id)).messages.some((m: any) => m.content === 'Thanks!'), 'the message after coming back');
  await context.close();
});

it('keeps two visitors apart', async () => {
  const contextA = await browser.newContext();
  const contextB = await browser.newContext();
  const a = await demo(contextA);
  const b = await demo(contextB);
  for (const [w, name, text] of [
    [a, 'Anna A', 'Question from A'],
    [b, 'Boris B', 'Question from B'],
  ] as const) {
    await w.open();
    await w.prechat(name);
    await w.send(text);
  }
  const sessionA = await operator.waitForWaiting('Question from A');
  const sessionB = await operator.waitForWaiting('Question from B');
  expect(sessionA.visitor.name).toBe('Anna A');
  expect(sessionB.visitor.name).toBe('Boris B');
  await operator.accept(sessionA.id);
  await operator.accept(sessionB.id);
  await operator.send(sessionA.id, 'Private answer for A');
  await operator.send(sessionB.id, 'Private answer for B');
  await a.waitForLines(['Question from A', 'Mark Stone joined the chat', 'Private answer for A']);
  await b.waitForLines(['Question from B', 'Mark Stone joined the chat', 'Private answer for B']);
  await contextA.close();
  await contextB.close();
});

it('Parley.identify: another person starts clean and never sees the previous visitor’s chat', async () => {
  const context = await browser.newContext();
  const w = await demo(context);
  await w.page.click('#sign-in-alice');
  await w.open();
  await w.composer.waitFor(); // identified: no pre-chat step
  expect(await w.page.locator('parley-widget form.prechat').count()).toBe(0);
  await w.send('Alice’s private question');
  const alice = await operator.waitForWaiting('Alice’s private question');
  expect(alice.visitor).toEqual({ name: 'Alice Martin', email: 'alice@example.com' });
  await operator.accept(alice.id);
  await operator.send(alice.id, 'Hello Alice, your address is 5 Elm Street');
  await w.line('Hello Alice, your address is 5 Elm Street').waitFor();

  await w.page.click('#sign-in-bob');
  await w.waitForLines([]);
  const stored = await w.page.evaluate((key) => localStorage.getItem(key), `parley:${server.api.url}`);
  expect(stored ?? '').not.toContain('token');
  await w.page.reload();
  await w.ready();
  await w.page.click('#sign-in-bob');
  await w.open();
  await w.composer.waitFor();
  await w.waitForLines([]);
  await w.send('Bob here');
  const bob = await operator.waitForWaiting('Bob here');
  expect(bob.visitor).toEqual({ name: 'Bob Novak', email: 'bob@example.com' });
  expect(bob.id).not.toBe(alice.id);
  await operator.accept(bob.id);
  await operator.send(bob.id, 'Hi Bob');
  await w.waitForLines(['Bob here', 'Mark Stone joined the chat', 'Hi Bob']);
  await context.close();
});

it('offers Parley.open(), Parley.close() and Parley.on("message") to the host page', async () => {
  const context = await browser.newContext();
  const w = await demo(context, '');
  await w.page.evaluate(() => {
    const parley = (window as any).Parley;
    (window as any).received = [];
    (window as any).events = [];
    parley.on('message', (m: any) => (window as any).received.push(`${m.senderRole}:${m.content}`));
    parley.on('open', () => (window as any).events.push('open'));
    parley.on('close', () => (window as any).events.push('close'));
    parley.open();
  });
  await w.page.locator('parley-widget section.chat').waitFor();
  await w.prechat();
  await w.send('Hello from the API test');
  const session = await operator.waitForWaiting('Hello from the API test');
  await operator.accept(session.id);
  await w.page.evaluate(() => (window as any).Parley.close());
  await waitHidden(w.panel);
  await operator.send(session.id, 'Answer for the host page');
  await eventually(async () => ((await w.page.evaluate(() => (window as any).received)) as string[]).includes('OPERATOR:Answer for the host page'), 'the message event');
  expect(await w.page.evaluate(() => (window as any).received)).toEqual(['VISITOR:Hello from the API test', 'SYSTEM:Mark Stone joined the chat', 'OPERATOR:Answer for the host page']);
  expect(await w.page.evaluate(() => (window as any).events)).toEqual(['open', 'close']);
  await context.close();
});

it('gives a returning visitor whose token has used half its lifetime a fresh one before connecting, and the chat goes on', async () => {
  const context = await browser.newContext();
  let w = await demo(context);
  await w.open();
  await w.prechat();
  await w.send('Will my token last?');
  const session = await operator.waitForWaiting('Will my token last?');
  await operator.accept(session.id);
  await operator.send(session.id, 'It will.');
  await w.waitForLines(['Will my token last?', 'Mark Stone joined the chat', 'It will.']);

  // The same visitor's token, as if issued 20 days ago for 30.
  const key = `parley:${server.api.url}`;
  const stored = JSON.parse((await w.page.evaluate((k) => localStorage.getItem(k), key))!);
  const visitorId = (jwt.decode(stored.token) as { sub: string }).sub;
  const now = Math.floor(Date.now() / 1000);
  const old = jwt.sign({ sub: visitorId, typ: 'v', iat: now - 20 * 86400 }, JWT_SECRET, { expiresIn: 30 * 86400 });
  await w.page.evaluate(([k, value]) => localStorage.setItem(k, value), [key, JSON.stringify({ ...stored, token: old })]);
  await w.page.close();

  w = await demo(context);
  await w.open();
  await w.waitForLines(['Will my token last?', 'Mark Stone joined the chat', 'It will.']);
  await operator.send(session.id, 'Still here after the renewal.');
  await w.line('Still here after the renewal.').waitFor();
  const renewed = JSON.parse((await w.page.evaluate((k) => localStorage.getItem(k), key))!).token as string;
  expect(renewed).not.toBe(old);
  const claims = jwt.decode(renewed) as { sub: string; iat: number; exp: number };
  expect(claims.sub).toBe(visitorId);
  expect(claims.iat).toBeGreaterThanOrEqual(now);
  await w.page.screenshot({ path: screenshotPath('widget-token-renewed.png') });
  await context.close();
});
