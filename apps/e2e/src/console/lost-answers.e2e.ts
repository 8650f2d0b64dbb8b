import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, eventually, givenOperator, graphql, queueItem, runTag, signIn } from './support/console-driver';

/** The text of every snackbar on screen. */
function snackbars(page: Page): Promise<string[]> {
  return page.locator('mat-snack-bar-container').allTextContents();
}

/**
 * Network failures in the console read as words, and an accept or close whose answer was lost is settled
 * by reading the chat again: the browser's own request reaches the real API, its answer is dropped
 * (`route.fetch()` then `route.abort()`), as when a connection breaks after the request went out.
 */
describe('console: an accept or close whose answer was lost', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  const tag = runTag();
  const visitors: VisitorDriver[] = [];
  /** The next request of this operation is answered by nobody: 'lost' after the API ran it, 'unsent' before. */
  /** The next `times` (default 1) requests of `operation` get no answer: run by the API (`lost`) or not (`unsent`). */
  let drop: { operation: string; when: 'lost' | 'unsent'; times?: number } | null = null;

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Lost');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.route('**/graphql', async (route: Route) => {
      const body = route.request().postData() ?? '';
      if (!drop || !body.includes(`"operationName":"${drop.operation}"`)) return route.continue();
      const { when } = drop;
      drop.times = (drop.times ?? 1) - 1;
      if (drop.times <= 0) drop = null;
      if (when === 'lost') await route.fetch(); // the API runs it …
      await route.abort('connectionreset'); // … and the console never hears back
    });
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
  });

  async function visitor(name: string) {
    const v = await VisitorDriver.start(api, { name, firstMessage: `hello from ${name}` });
    visitors.push(v);
    await queueItem(page, name).waitFor();
    return v;
  }

  async function sessionStatus(id: string): Promise<{ status: string; operator: { name: string } | null; resolution: string | null }> {
    const { session } = await graphql(api, 'query ($id: ID!) { session(id: $id) { status resolution operator { name } } }', { id }, olga.token);
    return session;
  }

  it('an accept that did reach the API opens the chat, with no error', async () => {
    const name = `Lost Answer ${tag}`;
    const ada = await visitor(name);
    drop = { operation: 'AcceptSession', when: 'lost' };
    await queueItem(page, name).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    await page.getByTestId('composer-input').waitFor();
    await page.locator(`[data-testid=chat-list-item][data-session-id="${ada.sessionId}"]`).waitFor();
    expect(drop).toBeNull(); // the answer really was dropped
    expect((await sessionStatus(ada.sessionId)).operator?.name).toBe('Olga Lost');
    await page.waitForTimeout(1000);
    expect(await snackbars(page)).toEqual([]);
    expect(await page.locator('body').textContent()).not.toContain('Http failure');
  });

  it('an accept that never reached the API, still waiting when read, is sent once more: the chat opens, with no error', async () => {
    const name = `Resent Accept ${tag}`;
    const dan = await visitor(name);
    drop = { operation: 'AcceptSession', when: 'unsent' };
    await queueItem(page, name).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${dan.sessionId}`);
    expect(drop).toBeNull(); // the first accept really went unanswered
    expect(await sessionStatus(dan.sessionId)).toMatchObject({ status: 'ACTIVE' });
    expect((await snackbars(page)).filter((t) => t.includes('Could not accept'))).toEqual([]);
  });

  it('an accept that never reached the API, twice, says so in words and leaves the chat waiting', async () => {
    const name = `Unsent Accept ${tag}`;
    const bea = await visitor(name);
    drop = { operation: 'AcceptSession', when: 'unsent', times: 2 };
    await queueItem(page, name).getByTestId('queue-accept').click();
    const text = await eventually(async () => (await snackbars(page)).find((t) => t.includes('Could not accept')), 'the failure notice');
    expect(text).toContain(`Could not accept the chat with ${name}: No connection to the server`);
    expect(text).not.toContain('Http failure');
    await page.screenshot({ path: screenshotPath('console-accept-no-connection.png') });
    expect((await sessionStatus(bea.sessionId)).status).toBe('WAITING');
    await queueItem(page, name).waitFor();
  });

  it('a close that did reach the API closes the dialog, with no error over the closed chat', async () => {
    const name = `Lost Close ${tag}`;
    const cleo = await visitor(name);
    await queueItem(page, name).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${cleo.sessionId}`);
    await page.getByTestId('close-chat').click();
    await page.getByTestId('resolution-input').fill('Answered, answer lost');
    drop = { operation: 'CloseSession', when: 'lost' };
    await page.getByTestId('confirm-close').click();
    await page.locator('mat-dialog-container').waitFor({ state: 'detached' });
    expect(drop).toBeNull();
    expect(await sessionStatus(cleo.sessionId)).toMatchObject({ status: 'CLOSED', resolution: 'Answered, answer lost' });
    expect(await page.getByTestId('close-error').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('Http failure');
  });

  it('a close that never reached the API keeps the dialog open with an error in words', async () => {
    const name = `Unsent Close ${tag}`;
    const dan = await visitor(name);
    await queueItem(page, name).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${dan.sessionId}`);
    await page.getByTestId('close-chat').click();
    await page.getByTestId('resolution-input').fill('Never arrives');
    drop = { operation: 'CloseSession', when: 'unsent' };
    await page.getByTestId('confirm-close').click();
    const error = page.getByTestId('close-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Could not close the chat: No connection to the server');
    await page.screenshot({ path: screenshotPath('console-close-no-connection.png') });
    expect((await sessionStatus(dan.sessionId)).status).toBe('ACTIVE');
  });
});
