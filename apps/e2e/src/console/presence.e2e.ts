import { type Client, createClient } from 'graphql-ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import {
  type OperatorAccount,
  VisitorDriver,
  assertConsoleBuilt,
  emptyWaitingQueue,
  eventually,
  givenOperator,
  graphql,
  queueItem,
  runTag,
  signIn,
} from './support/console-driver';

/** Short presence TTL, so "the console stays online without re-sending its presence" is seen in seconds. */
const PRESENCE_TTL_SECONDS = 2;

/** A widget-like WebSocket of a visitor (graphql-ws, connected at once): the API counts the visitor online while it is open. */
async function visitorSocket(api: ApiProcess, token: string): Promise<Client> {
  const client = createClient({ url: api.wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: token }, lazy: false, retryAttempts: 0, onNonLazyError: () => undefined });
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      resolve();
    });
    client.on('closed', (event) => reject(new Error(`visitor socket closed: ${JSON.stringify(event)}`)));
  });
  return client;
}

/**
 * Issue 3 point 5 and issue 5 (presence): the console shows the visitor online / offline for real — the
 * value read with the chat, then `ParticipantPresenceChanged` events as the visitor's socket closes and
 * reconnects — and an operator stays online while the console's socket is connected, without re-sending
 * `setPresence`, and goes offline when the console closes.
 */
describe('console: presence', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  const tag = runTag();
  const setPresenceRequests: string[] = [];
  let ada: VisitorDriver;
  let adaSocket: Client | undefined;

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi({ PRESENCE_TTL_SECONDS: String(PRESENCE_TTL_SECONDS) });
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Presence');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql') && request.postData()?.includes('SetPresence')) setPresenceRequests.push(new Date().toISOString());
    });
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    await adaSocket?.dispose();
    await ada?.stop();
    await browser?.close();
    await api?.stop();
  });

  /** The estimate of a waiting chat session: null while no operator is online (the API says so). */
  async function estimateOf(sessionId: string): Promise<number | null> {
    const { waitingSessions } = await graphql<{ waitingSessions: { id: string; estimatedWaitSeconds: number | null }[] }>(api, '{ waitingSessions { id estimatedWaitSeconds } }', {}, olga.token);
    const session = waitingSessions.find((s) => s.id === sessionId);
    if (!session) throw new Error(`chat session ${sessionId} is not waiting`);
    return session.estimatedWaitSeconds;
  }

  it("keeps an ONLINE operator online while the console's socket is connected, without re-sending setPresence", async () => {
    await page.getByTestId('presence-ONLINE').click();
    await eventually(async () => (await page.getByTestId('presence-ONLINE').getAttribute('class'))?.includes('checked'), 'the ONLINE toggle checked');
    expect(setPresenceRequests).toHaveLength(1);
    ada = await VisitorDriver.start(api, { name: `Ada ${tag}`, email: `ada.${tag}@example.com`, firstMessage: `presence ${tag}` });
    await eventually(async () => (await estimateOf(ada.sessionId)) !== null, 'an estimate (an operator online)');
    // Several TTLs pass: a console that relied on re-sending would have dropped out by now.
    await new Promise((r) => setTimeout(r, PRESENCE_TTL_SECONDS * 3 * 1000));
    expect(await estimateOf(ada.sessionId)).not.toBeNull();
    expect(setPresenceRequests).toHaveLength(1);
  });

  it('shows the visitor online as read with the chat (the visitor connected before the chat was opened)', async () => {
    adaSocket = await visitorSocket(api, ada.token);
    await queueItem(page, `Ada ${tag}`).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    const presence = page.getByTestId('visitor-presence');
    await eventually(async () => (await presence.getAttribute('data-presence')) === 'ONLINE', 'the visitor shown online');
    expect((await presence.textContent())?.trim()).toBe('Online');
  });

  it("shows the visitor offline when the visitor's socket closes, and online again when it reconnects", async () => {
    const presence = page.getByTestId('visitor-presence');
    await adaSocket!.dispose();
    adaSocket = undefined;
    await eventually(async () => (await presence.getAttribute('data-presence')) === 'OFFLINE', 'the visitor shown offline');
    expect((await presence.textContent())?.trim()).toBe('Offline');
    await page.screenshot({ path: screenshotPath('console-visitor-offline.png') });

    adaSocket = await visitorSocket(api, ada.token);
    await eventually(async () => (await presence.getAttribute('data-presence')) === 'ONLINE', 'the visitor shown online again');
    expect((await presence.textContent())?.trim()).toBe('Online');
    await page.screenshot({ path: screenshotPath('console-visitor-online.png') });
  });

  it('a reload reads the current presence (no event needed)', async () => {
    await adaSocket!.dispose();
    adaSocket = undefined;
    await eventually(async () => (await page.getByTestId('visitor-presence').getAttribute('data-presence')) === 'OFFLINE', 'the visitor shown offline');
    await page.reload();
    const presence = page.getByTestId('visitor-presence');
    await eventually(async () => (await presence.getAttribute('data-presence')) === 'OFFLINE', 'offline after the reload');
    adaSocket = await visitorSocket(api, ada.token);
    await eventually(async () => (await presence.getAttribute('data-presence')) === 'ONLINE', 'online after the reload');
  });

  it('takes the operator offline once the console is closed', async () => {
    const waiting = await VisitorDriver.start(api, { name: `Bea ${tag}`, firstMessage: `still waiting ${tag}` });
    try {
      await eventually(async () => (await estimateOf(waiting.sessionId)) !== null, 'an estimate while the console is open');
      await context.close();
      await eventually(async () => (await estimateOf(waiting.sessionId)) === null, 'no estimate (nobody online) once the console closed');
    } finally {
      await waiting.stop();
      await graphql(api, 'mutation ($id: ID!) { closeSession(sessionId: $id, resolution: "e2e: done") { id } }', { id: waiting.sessionId }, olga.token).catch(() => undefined);
    }
  });
});
