import type { Browser } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser } from '../support/browser';
import { type OperatorAccount, assertConsoleBuilt, givenOperator, graphql, signIn } from './support/console-driver';

/** Issue 3, points 1 and 7: sign-in, staying signed in across reloads, sign-out; presence survives reload. */
describe('console: signing in', () => {
  let api: ApiProcess;
  let browser: Browser;
  let operator: OperatorAccount;

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    operator = await givenOperator(api, 'Olga Signin');
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it('shows a clear message for a wrong password', async () => {
    const page = await browser.newPage();
    await page.goto(`${api.url}/console/`);
    await page.getByTestId('login-email').fill(operator.email);
    await page.getByTestId('login-password').fill('not the password');
    await page.getByTestId('login-submit').click();
    await expectText(page.getByTestId('login-error'), 'Wrong e-mail or password.');
    expect(page.url()).toContain('/console/login');
    await page.close();
  });

  it('stays signed in across reloads until signing out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, api, operator);
    expect(page.url()).toBe(`${api.url}/console/`);
    expect(await page.getByTestId('operator-name').textContent()).toContain('Olga Signin');
    await page.reload();
    await page.getByTestId('queue-count').waitFor();
    expect(await page.getByTestId('operator-name').textContent()).toContain('Olga Signin');
    // A new tab of the same browser is signed in too.
    const second = await context.newPage();
    await second.goto(`${api.url}/console/`);
    await second.getByTestId('queue-count').waitFor();
    await second.close();

    await page.getByTestId('sign-out').click();
    await page.getByTestId('login-email').waitFor();
    await page.reload();
    await page.getByTestId('login-email').waitFor();
    expect(page.url()).toContain('/console/login');
    await context.close();
  });

  it('goes back to sign-in, saying why, when the session expires', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await signIn(first, api, operator);
    await first.close();
    // The stored session now expires 5 s after the console starts.
    const page = await context.newPage();
    await page.addInitScript(() => {
      const key = 'parley.console.session';
      const stored = localStorage.getItem(key);
      if (stored) localStorage.setItem(key, JSON.stringify({ ...JSON.parse(stored), expiresAt: new Date(Date.now() + 5000).toISOString() }));
    });
    await page.goto(`${api.url}/console/`);
    await page.getByTestId('queue-count').waitFor();
    await page.getByTestId('expired-notice').waitFor({ timeout: 10_000 });
    expect(page.url()).toContain('/console/login');
    await context.close();
  });

  it('keeps the chosen presence across a reload (the API stores it)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, api, operator);
    await page.getByTestId('presence-AWAY').click();
    await expectPressed(page, 'AWAY');
    expect((await graphql(api, '{ me { presence } }', {}, operator.token)).me.presence).toBe('AWAY');
    await page.reload();
    await expectPressed(page, 'AWAY');
    await page.getByTestId('presence-ONLINE').click();
    await expectPressed(page, 'ONLINE');
    await page.reload();
    await expectPressed(page, 'ONLINE');
    expect((await graphql(api, '{ me { presence } }', {}, operator.token)).me.presence).toBe('ONLINE');
    await context.close();
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  await locator.waitFor();
  expect((await locator.textContent())?.trim()).toBe(text);
}

async function expectPressed(page: import('playwright-core').Page, presence: string): Promise<void> {
  await page.waitForFunction(
    // Checked and enabled: the toggle shows a clicked choice at once and is disabled until the API has
    // saved it, so a reload before that would read the previous presence back.
    (p) => {
      const toggle = document.querySelector(`[data-testid=presence-${p}]`);
      return !!toggle?.classList.contains('mat-button-toggle-checked') && !toggle.querySelector('button')?.disabled;
    },
    presence,
    { timeout: 10_000 },
  );
}
