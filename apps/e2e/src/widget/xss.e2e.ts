/**
 * Issue 6 point 8 (and issue 4 point 8) in the widget: stored-XSS payloads in messages (the visitor's own
 * and the operator's), the operator's name and the resolution render as inert text in the chat panel's
 * shadow DOM: no dialog opens, no payload script runs, no element is injected, each value is shown
 * literally, and no link is made at all. Right-to-left override characters reverse at most their own text.
 */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import { bidiLeaks, expectInert, recordDialogs, RLO, rtlPayloads, xssPayloads } from '../support/xss';
import { eventually, OperatorDriver } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, waitHidden, WidgetOnPage } from './support/widget-page';

const tag = Math.random().toString(16).slice(2, 8);
const xss = xssPayloads(tag);
const rtl = rtlPayloads(tag);
const OPERATOR_NAME = `Mark <img src=x onerror="alert('xss-operator');__xss='operator'">`;

let server: WidgetApi;
let browser: Browser;
let operator: OperatorDriver;
let page: Page;
let w: WidgetOnPage;
let dialogs: string[];

beforeAll(async () => {
  server = await startWidgetApi();
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, OPERATOR_NAME);
  await operator.setPresence('ONLINE');
  page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  dialogs = recordDialogs(page);
  await page.goto(`${server.api.url}/demo`);
  w = new WidgetOnPage(page);
  await w.ready();
});

afterAll(async () => {
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
});

let sessionId: string;

it("the visitor's own hostile message and name: shown literally, nothing runs", async () => {
  await w.open();
  await w.prechat(xss.name);
  await w.composer.fill(xss.message);
  await w.composer.press('Enter');
  await waitForText(w.status(`<script>alert('xss-script')`), 'Sent');
  await w.waitForLines([xss.message]);
  const waiting = await operator.waitForWaiting(Array.from(xss.message).slice(0, 140).join(''));
  sessionId = waiting.id;
  expect(waiting.visitor.name).toBe(xss.name);
  await expectInert(page, dialogs);
});

it("the operator's hostile name, messages and typing: shown literally, no link, nothing runs", async () => {
  await operator.accept(sessionId);
  await waitForText(w.subtitle, `You are chatting with ${OPERATOR_NAME}`);
  await operator.typing(sessionId, true);
  await waitForText(w.typing, `${OPERATOR_NAME} is typing…`);
  await operator.send(sessionId, xss.message);
  await operator.send(sessionId, rtl.message);
  await w.waitForLines([xss.message, `${OPERATOR_NAME} joined the chat`, xss.message, rtl.message]);
  expect(await page.locator('parley-widget .log li.operator .who').first().textContent()).toBe(OPERATOR_NAME);
  expect(await page.locator('parley-widget a').count()).toBe(0);
  expect(await bidiLeaks(page, [rtl.message])).toEqual([]);
  await page.screenshot({ path: screenshotPath('widget-xss-messages.png') });
  await expectInert(page, dialogs);
});

it('a hostile resolution: shown literally, nothing runs', async () => {
  await operator.close(sessionId, xss.resolution);
  await waitForText(w.closedBox.locator('.resolution'), `Resolution: ${xss.resolution}`);
  await w.line(`Chat closed: ${xss.resolution}`).waitFor();
  await waitHidden(w.composer);
  await page.screenshot({ path: screenshotPath('widget-xss-resolution.png') });
  await expectInert(page, dialogs);
});

it('right-to-left overrides in messages and the resolution never reorder the widget’s own text', async () => {
  await page.locator('parley-widget button.new-chat').click();
  await w.send(rtl.message);
  const second = await operator.waitForWaiting(rtl.message);
  await operator.accept(second.id);
  await operator.send(second.id, `Which one? ${rtl.message}`);
  await w.line(`Which one? ${rtl.message}`).waitFor();
  await operator.close(second.id, rtl.resolution);
  await waitForText(w.closedBox.locator('.resolution'), `Resolution: ${rtl.resolution}`);
  expect((await w.lines()).filter((line) => line.includes(RLO))).toEqual([rtl.message, `Which one? ${rtl.message}`, `Chat closed: ${rtl.resolution}`]);
  expect(await bidiLeaks(page, [rtl.message, rtl.resolution])).toEqual([]);
  await page.screenshot({ path: screenshotPath('widget-rtl.png') });
  await expectInert(page, dialogs);
  await eventually(async () => (await operator.session(second.id)).status === 'CLOSED', 'the second chat closed');
});
