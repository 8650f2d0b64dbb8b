import type { Browser, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, eventually, givenOperator, graphql } from './support/console-driver';

/**
 * The console link of a notification e-mail (`/console/chats/<id>`): it survives sign-in, never leads
 * off the console, and a WAITING chat's page has Accept, with the queue's race handling.
 */
describe('console: the link to a chat', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let pavel: OperatorAccount;
  const visitors: VisitorDriver[] = [];

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Link');
    pavel = await givenOperator(api, 'Pavel Link');
    await emptyWaitingQueue(api, olga);
  });
  afterAll(async () => {
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
  });

  async function visitor(name: string) {
    const v = await VisitorDriver.start(api, { name, firstMessage: `hello from ${name}` });
    visitors.push(v);
    return v;
  }

  /** A signed-out browser opening `path` of the console, then signing in on the page it is sent to. */
  async function openSignedOut(path: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${api.url}/console${path}`);
    await page.waitForURL('**/console/login**');
    await page.getByTestId('login-email').fill(olga.email);
    await page.getByTestId('login-password').fill(olga.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('queue-count').waitFor();
    return page;
  }

  it("signed out, opens a waiting chat's link, signs in, lands on that chat and accepts it there", async () => {
    const ada = await visitor('Ada Link');
    const page = await openSignedOut(`/chats/${ada.sessionId}`);
    await page.waitForURL(`**/console/chats/${ada.sessionId}`);
    await page.getByTestId('chat-visitor-name').getByText('Ada Link').waitFor();
    await page.getByTestId('message-list').getByText('hello from Ada Link').waitFor();
    const accept = page.getByTestId('chat-accept');
    await accept.waitFor();
    await page.screenshot({ path: screenshotPath('console-waiting-chat-link.png') });
    await accept.click();
    await page.getByTestId('composer-input').waitFor();
    expect(await accept.count()).toBe(0);
    await page.locator(`[data-testid=chat-list-item][data-session-id="${ada.sessionId}"]`).waitFor();
    const { session } = await graphql(api, 'query ($id: ID!) { session(id: $id) { status operator { name } } }', { id: ada.sessionId }, olga.token);
    expect(session).toEqual({ status: 'ACTIVE', operator: { name: 'Olga Link' } });
    await page.context().close();
  });

  it('another operator accepts first: Accept on the page says so, and the chat is shown as it is now', async () => {
    const bea = await visitor('Bea Link');
    const page = await openSignedOut(`/chats/${bea.sessionId}`);
    await page.getByTestId('chat-accept').waitFor();
    await graphql(api, 'mutation ($id: ID!) { acceptSession(sessionId: $id) { id } }', { id: bea.sessionId }, pavel.token);
    await page.getByTestId('chat-accept').click();
    const notice = await eventually(async () => (await page.locator('mat-snack-bar-container').allTextContents()).join(' '), 'the notice');
    expect(notice).toContain('Another operator already accepted the chat with Bea Link.');
    await page.getByTestId('chat-accept').waitFor({ state: 'detached' });
    expect(await page.getByTestId('composer-input').count()).toBe(0);
    await page.context().close();
  });

  it.each(['https://evil.example/steal', '//evil.example/steal', '/\\evil.example/steal'])('never follows a returnUrl off the console (%s)', async (returnUrl) => {
    const page = await openSignedOut(`/login?returnUrl=${encodeURIComponent(returnUrl)}`);
    expect(new URL(page.url()).origin).toBe(new URL(api.url).origin);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.context().close();
  });
});
