/**
 * Issue 4, point 5 (and the "failed sends kept with retry" of point 3): the visitor's connection is cut
 * for real (a TCP proxy between the browser and the API drops every socket and refuses new ones, and the
 * browser goes offline), and the API itself restarts; the widget shows a quiet notice, reconnects with
 * backoff and catches up with `afterSeq`: nothing lost, nothing doubled.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { eventually, OperatorDriver } from './support/operator';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, waitHidden, WidgetOnPage } from './support/widget-page';

let server: WidgetApi;
let browser: Browser;
let operator: OperatorDriver;
let proxy: TcpProxy;

beforeAll(async () => {
  server = await startWidgetApi();
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, 'Nina Ops');
  await operator.setPresence('ONLINE');
  proxy = await startTcpProxy(server.api.port);
});

afterAll(async () => {
  await proxy?.close();
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
});

async function chatting(context: BrowserContext, baseUrl: string, first: string) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/demo`);
  const w = new WidgetOnPage(page);
  await w.open();
  await w.prechat();
  await w.send(first);
  const session = await operator.waitForWaiting(first);
  await operator.accept(session.id);
  return { w, sessionId: session.id };
}

/** How many of the session's stored messages have this content. */
async function stored(sessionId: string, content: string): Promise<number> {
  return (await operator.session(sessionId)).messages.filter((m: any) => m.content === content).length;
}

it('connection lost: quiet notice, failed send kept with Retry, reconnect, catch-up without loss or duplicates', async () => {
  const context = await browser.newContext();
  const { w, sessionId } = await chatting(context, proxy.url, 'Before the outage');
  await operator.send(sessionId, 'Reply 1');
  await w.waitForLines(['Before the outage', 'Nina Ops joined the chat', 'Reply 1']);

  proxy.cut();
  await context.setOffline(true);
  await waitForText(w.notice, 'Connection lost. Reconnecting…');
  expect(await w.notice.getAttribute('role')).toBe('status');

  // Written while offline: shown at once, then kept as not sent, with Retry.
  await w.send('Written while offline');
  await waitForText(w.status('Written while offline'), 'Sending…');
  await waitForText(w.status('Written while offline'), 'Not sent', 20000);
  const retry = w.line('Written while offline').locator('button.retry');
  await retry.waitFor();

  // The operator goes on meanwhile.
  await operator.send(sessionId, 'Reply 2 while you were away');
  await operator.send(sessionId, 'Reply 3 while you were away');
  await retry.click();
  await waitForText(w.status('Written while offline'), 'Sending…');

  proxy.restore();
  await context.setOffline(false);
  await waitHidden(w.notice, 20000);
  await waitForText(w.status('Written while offline'), 'Sent', 20000);
  await w.waitForLines(['Before the outage', 'Nina Ops joined the chat', 'Reply 1', 'Reply 2 while you were away', 'Reply 3 while you were away', 'Written while offline']);
  expect(await stored(sessionId, 'Written while offline')).toBe(1);

  // Live again.
  await operator.send(sessionId, 'Reply 4');
  await w.line('Reply 4').waitFor();
  await w.waitForLines(['Before the outage', 'Nina Ops joined the chat', 'Reply 1', 'Reply 2 while you were away', 'Reply 3 while you were away', 'Written while offline', 'Reply 4']);
  await context.close();
});

it('reconnects by itself with backoff when only the sockets drop (no offline event), and catches up', async () => {
  const context = await browser.newContext();
  const { w, sessionId } = await chatting(context, proxy.url, 'Short blip ahead');
  proxy.cut();
  await waitForText(w.notice, 'Connection lost. Reconnecting…');
  await operator.send(sessionId, 'Sent during the blip');
  proxy.restore();
  await waitHidden(w.notice, 20000);
  await w.waitForLines(['Short blip ahead', 'Nina Ops joined the chat', 'Sent during the blip']);
  await context.close();
});

it('the API restarts: the widget reconnects and catches up with what was sent while it was down', async () => {
  const context = await browser.newContext();
  const { w, sessionId } = await chatting(context, server.api.url, 'Before the restart');
  await operator.send(sessionId, 'Restarting soon');
  await w.line('Restarting soon').waitFor();
  await server.api.restart();
  // The operator's own client reconnects; its message lands while the widget may still be reconnecting.
  await eventually(async () => (await operator.send(sessionId, 'After the restart')).seq > 0, 'the operator to reconnect');
  await w.line('After the restart').waitFor({ timeout: 20000 });
  await w.send('Still here');
  await eventually(async () => (await stored(sessionId, 'Still here')) === 1, 'the visitor message after the restart');
  await w.waitForLines(['Before the restart', 'Nina Ops joined the chat', 'Restarting soon', 'After the restart', 'Still here']);
  await context.close();
});
