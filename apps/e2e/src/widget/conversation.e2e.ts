/**
 * Issue 4, points 1–3, 6–8 in Chromium against the real API, PostgreSQL and Redis: a visitor on /demo
 * (one browser context) and an operator driven over graphql-ws (the console is built in parallel).
 */
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import { eventually, OperatorDriver } from './support/operator';
import { visitorViaApi } from './support/api-visitor';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, waitHidden, WidgetOnPage } from './support/widget-page';

let server: WidgetApi;
let browser: Browser;
let operator: OperatorDriver;

beforeAll(async () => {
  server = await startWidgetApi();
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, 'Anna Petrova');
});

afterAll(async () => {
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
});

it('holds a whole conversation: pre-chat, queue, operator, messages, typing, unread badge, HTML as text, closing, rating, a new chat', async () => {
  const ahead = await visitorViaApi(server.api, 'I was here first');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.api.url}/demo`);
  const w = new WidgetOnPage(page);

  // 1. Launcher, then a short pre-chat step, then the conversation.
  await w.open();
  await page.locator('parley-widget form.prechat').waitFor();
  await w.prechat('Vera Visitor', 'vera@example.com');
  const question = 'Do you have the Harbour City 7 in size M?';
  await w.send(question);
  await w.line(question).waitFor(); // shown at once
  await waitForText(w.status(question), 'Sent'); // marked sent on confirmation

  // 2. Waiting: no operator online yet, but the chat is accepted and kept.
  await waitForText(w.queue, /No operator is online right now\. Your message is kept/);
  const mine = await operator.waitForWaiting(question);
  expect(mine.visitor).toEqual({ name: 'Vera Visitor', email: 'vera@example.com' });
  const positionAhead = (await operator.waitingSessions()).find((s) => s.id === ahead.sessionId)!.queuePosition;
  expect(mine.queuePosition).toBe(positionAhead + 1);
  await operator.setPresence('ONLINE');
  await waitForText(w.queue, new RegExp(`^You are number ${mine.queuePosition} in the queue\\.Estimated wait: (less than a minute|about \\d+ min)\\.$`));
  await operator.accept(ahead.sessionId); // the queue moves
  await waitForText(w.queue, new RegExp(`^You are number ${mine.queuePosition - 1} in the queue\\.`));
  await waitForText(w.subtitle, 'Waiting for an operator');

  // 3. Operator joined (name); messages both ways with times; typing both ways.
  const watch = operator.watch(mine.id);
  await operator.accept(mine.id);
  await waitForText(w.subtitle, 'You are chatting with Anna Petrova');
  await w.line('Anna Petrova joined the chat').waitFor();
  await waitHidden(w.queue);
  await operator.typing(mine.id, true);
  await waitForText(w.typing, 'Anna Petrova is typing…');
  await operator.send(mine.id, 'Yes, size M is in stock.');
  await w.line('Yes, size M is in stock.').waitFor();
  await waitForText(w.typing, '');
  expect(await w.line('Yes, size M is in stock.').locator('.who').textContent()).toBe('Anna Petrova');
  expect(await w.line('Yes, size M is in stock.').locator('time').textContent()).toMatch(/^\d\d:\d\d( [AP]M)?$/);
  await w.composer.pressSequentially('Great, can I');
  await watch.next((e) => e?.__typename === 'TypingChanged' && e.senderRole === 'VISITOR' && e.isTyping === true, 'the visitor typing');
  await w.composer.pressSequentially(' reserve it?');
  await w.composer.press('Enter');
  await watch.next((e) => e?.message?.content === 'Great, can I reserve it?', 'the visitor message at the operator');
  await waitForText(w.status('Great, can I reserve it?'), 'Sent');
  expect(await w.line('Great, can I reserve it?').locator('time').textContent()).toMatch(/^\d\d:\d\d( [AP]M)?$/);

  // 8. Whatever the operator typed is text, never HTML.
  const html = '<img src=x onerror="window.__pwned=1"><b>bold?</b>';
  await operator.send(mine.id, html);
  await w.line(html).waitFor();
  expect(await page.locator('parley-widget .log img, parley-widget .log b').count()).toBe(0);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();

  await w.waitForLines([question, 'Anna Petrova joined the chat', 'Yes, size M is in stock.', 'Great, can I reserve it?', html]);
  await page.screenshot({ path: screenshotPath('widget-desktop.png') });

  // 3. Unread badge on the closed launcher.
  await w.launcher.click();
  await waitHidden(w.panel);
  await operator.send(mine.id, 'Reserved until Friday.');
  await waitForText(w.badge, '1');
  expect(await w.launcher.getAttribute('aria-label')).toBe('Open chat, 1 unread message');
  await w.launcher.click();
  await waitHidden(w.badge);
  await w.line('Reserved until Friday.').waitFor();

  // 6. The operator closes: the resolution, then the rating step, then a way to start a new chat.
  await operator.close(mine.id, 'Size M reserved for pickup on Friday');
  await waitForText(w.closedBox.locator('.resolution'), 'Resolution: Size M reserved for pickup on Friday');
  expect(await w.closedBox.locator('p').first().textContent()).toBe('The operator closed the chat.');
  await waitHidden(w.composer);
  await page.screenshot({ path: screenshotPath('widget-rating.png') });
  await page.locator('parley-widget .score', { hasText: '5' }).click();
  await page.locator('parley-widget form.rate textarea').fill('Quick and friendly');
  await page.locator('parley-widget form.rate button[type=submit]').click();
  await waitForText(w.closedBox.locator('.thanks'), 'Thank you for your feedback!');
  await eventually(async () => (await operator.session(mine.id)).rating?.score === 5, 'the rating to be stored');
  expect((await operator.session(mine.id)).rating).toEqual({ score: 5, comment: 'Quick and friendly' });

  await page.locator('parley-widget button.new-chat').click();
  await w.waitForLines([]);
  await w.send('One more thing: do you deliver?');
  const second = await operator.waitForWaiting('One more thing: do you deliver?');
  expect(second.id).not.toBe(mine.id);
  await waitForText(w.status('One more thing: do you deliver?'), 'Sent');
  await context.close();
});

it('is full-screen on a phone, speaks the page language (Russian) and is usable with the keyboard alone', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(`${server.api.url}/demo?lang=ru`);
  const w = new WidgetOnPage(page);
  await w.ready();
  expect(await w.launcher.getAttribute('aria-label')).toBe('Открыть чат');

  // Keyboard: focus the launcher, Enter opens and puts focus in the first field, Enter in the form submits.
  await w.launcher.focus();
  await page.keyboard.press('Enter');
  await page.locator('parley-widget form.prechat').waitFor();
  expect(await page.evaluate(() => document.querySelector('parley-widget')!.shadowRoot!.activeElement?.getAttribute('name'))).toBe('name');
  await page.keyboard.type('Ольга');
  await page.keyboard.press('Tab');
  await page.keyboard.type('olga@example.com');
  await page.keyboard.press('Enter');
  await w.composer.waitFor();
  expect(await page.evaluate(() => document.querySelector('parley-widget')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA');
  await page.keyboard.type('Здравствуйте! Есть ли доставка?');
  await page.keyboard.press('Enter');
  await waitForText(w.status('Здравствуйте! Есть ли доставка?'), 'Отправлено');
  await waitForText(page.locator('parley-widget .title'), 'Напишите нам');
  await waitForText(w.queue, /^Ваше место в очереди: \d+\.Примерное ожидание: /);

  // Full-screen on a phone.
  const box = await page.locator('parley-widget .panel').boundingBox();
  expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
  await page.screenshot({ path: screenshotPath('widget-phone.png') });

  // Escape closes and gives focus back to the launcher.
  await page.keyboard.press('Escape');
  await waitHidden(w.panel);
  expect(await page.evaluate(() => document.querySelector('parley-widget')!.shadowRoot!.activeElement?.className)).toBe('launcher');
  await context.close();
});
