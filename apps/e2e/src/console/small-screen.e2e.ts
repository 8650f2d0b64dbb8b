import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, givenOperator, graphql, queueItem, runTag, signIn } from './support/console-driver';

/** The box of an element, and whether it lies wholly inside the window (not cut off, not scrolled away). */
async function onScreen(page: Page, testId: string) {
  return page.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, inside: r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight };
  });
}

/**
 * A phone-sized window (390×844): every control of the header stays on screen and usable; the close
 * dialog takes typing at once (its Resolution field has the focus); a closed chat's badge reads apart from
 * the name.
 */
describe('console: small screen, keyboard', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  const tag = runTag();
  const visitors: VisitorDriver[] = [];

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Small');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    page = await context.newPage();
    await signIn(page, api, olga);
  });
  afterAll(async () => {
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
  });

  it('at 390 px keeps presence, the alert bell and Sign out on screen, and they work', async () => {
    await page.getByTestId('presence-OFFLINE').waitFor();
    await page.screenshot({ path: screenshotPath('console-header-390.png') });
    for (const id of ['panel-toggle', 'queue-count', 'presence-ONLINE', 'presence-AWAY', 'presence-OFFLINE', 'alert-settings', 'sign-out']) {
      expect({ id, ...(await onScreen(page, id)) }).toMatchObject({ id, inside: true });
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);

    await page.getByTestId('alert-settings').click();
    await page.getByTestId('toggle-sound').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('presence-AWAY').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=presence-AWAY]')?.classList.contains('mat-button-toggle-checked'));
  });

  it('the close dialog opens with the Resolution field focused: what the operator types goes there; the closed badge reads apart from the name', async () => {
    const name = `Bea <b>bold</b> ${tag}`;
    const bea = await VisitorDriver.start(api, { name, firstMessage: 'hello' });
    visitors.push(bea);
    await page.getByTestId('panel-toggle').click();
    await queueItem(page, name).getByTestId('queue-accept').click();
    await page.waitForURL(`**/chats/${bea.sessionId}`);
    await page.getByTestId('close-chat').click();
    await page.locator('mat-dialog-container').waitFor();
    // Focus is placed once the dialog's opening animation ends: wait for it there, not for a guessed time.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'resolution-input');
    await page.keyboard.type('Typed without a click');
    expect(await page.getByTestId('resolution-input').inputValue()).toBe('Typed without a click');
    await page.screenshot({ path: screenshotPath('console-close-dialog-390.png') });
    await page.keyboard.press('Escape');
    await page.locator('mat-dialog-container').waitFor({ state: 'detached' });

    // Closed elsewhere (here through the API, as another tab would): the chat stays in My chats with its badge.
    await graphql(api, 'mutation ($id: ID!) { closeSession(sessionId: $id, resolution: "done") { id } }', { id: bea.sessionId }, olga.token);
    await page.getByTestId('panel-toggle').click();
    const item = page.locator(`[data-testid=chat-list-item][data-session-id="${bea.sessionId}"]`);
    await item.getByTestId('chat-closed-badge').waitFor();
    expect((await item.locator('.title').textContent())?.replace(/\s+/g, ' ').trim()).toBe(`${name} closed`);
    expect(await item.locator('.title').innerText()).toMatch(new RegExp(`${tag}\\s+CLOSED$`));
  });
});
