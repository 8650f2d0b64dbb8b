import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ApiProcess, startApi } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type OperatorAccount, VisitorDriver, assertConsoleBuilt, emptyWaitingQueue, givenOperator, queueItem, signIn } from './support/console-driver';

/** WCAG contrast ratio of every visible element matching `selectors` against its effective background. */
function contrastReport(page: Page, selectors: string[]) {
  return page.evaluate((selectors) => {
    const parse = (c: string) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = '1'] = m[1].split(/[ ,/]+/).filter(Boolean);
      return { r: +r, g: +g, b: +b, a: +a };
    };
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el: Element | null): { r: number; g: number; b: number } => {
      for (; el; el = el.parentElement) {
        const c = parse(getComputedStyle(el).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255 };
    };
    const results: { selector: string; text: string; ratio: number }[] = [];
    for (const selector of selectors) {
      for (const el of Array.from(document.querySelectorAll(selector))) {
        const rect = el.getBoundingClientRect();
        if (!rect.width || !rect.height || !(el.textContent ?? '').trim()) continue;
        const fg = parse(getComputedStyle(el).color)!;
        const bg = background(el);
        const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
        results.push({ selector, text: (el.textContent ?? '').trim().slice(0, 30), ratio: Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100 });
      }
    }
    return results;
  }, selectors);
}

/** Nothing sticks out sideways, and the composer and toolbar are fully on screen. */
async function assertFits(page: Page): Promise<void> {
  const layout = await page.evaluate(() => {
    const box = (selector: string) => document.querySelector(selector)?.getBoundingClientRect().toJSON() as DOMRect | undefined;
    return { scrollWidth: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight, composer: box('[data-testid=composer-send]'), signOut: box('[data-testid=sign-out]'), list: box('[data-testid=message-list]') };
  });
  expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
  for (const part of [layout.composer, layout.signOut, layout.list]) {
    expect(part).toBeDefined();
    expect(part!.right).toBeLessThanOrEqual(layout.width + 0.5);
    expect(part!.bottom).toBeLessThanOrEqual(layout.height + 0.5);
    expect(part!.width).toBeGreaterThan(0);
  }
}

/**
 * Issue 3, point 10 (keyboard, contrast, 1,280 px and tablet), and the screenshot of the main screen
 * kept as a CI artifact (apps/e2e/screenshots/console-main.png).
 */
describe('console: keyboard, contrast and screen sizes', () => {
  let api: ApiProcess;
  let browser: Browser;
  let olga: OperatorAccount;
  let context: BrowserContext;
  let page: Page;
  const visitors: VisitorDriver[] = [];
  let ada: VisitorDriver;

  beforeAll(async () => {
    assertConsoleBuilt();
    api = await startApi();
    browser = await launchBrowser();
    olga = await givenOperator(api, 'Olga Layout');
    await emptyWaitingQueue(api, olga);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await signIn(page, api, olga);
    ada = await VisitorDriver.start(api, { name: `Ada Lovelace`, email: 'ada@example.com', pageUrl: 'https://shop.example.com/account/invoices', firstMessage: 'Hi! My invoice shows the wrong VAT number. Can you fix it?' });
    visitors.push(ada);
  });
  afterAll(async () => {
    await Promise.all(visitors.map((v) => v.stop()));
    await browser?.close();
    await api?.stop();
  });

  it("loads its stylesheet under the API's Content-Security-Policy: no violation, the global styles apply on screen", async () => {
    // Angular's critical-CSS inlining loads the stylesheet with an inline onload handler (media="print" until
    // it runs), which the CSP's script-src-attr 'none' blocks: the page then kept only the inlined rules.
    const fresh = await context.newPage();
    const violations: string[] = [];
    fresh.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    await fresh.goto(`${api.url}/console/`, { waitUntil: 'networkidle' });
    const media = await fresh.evaluate(() => Array.from(document.querySelectorAll('link[rel=stylesheet]')).filter((l) => !l.closest('noscript')).map((l) => (l as HTMLLinkElement).media));
    await fresh.close();
    expect(violations).toEqual([]);
    expect(media.length).toBeGreaterThan(0);
    for (const m of media) expect(['', 'all', 'screen']).toContain(m);
  });

  it('can be worked with the keyboard alone: accept, reply, open and dismiss the close dialog', async () => {
    await queueItem(page, 'Ada Lovelace').waitFor();
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'queue-accept');
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/chats/${ada.sessionId}`);
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer-input');
    await page.keyboard.type('Hello Ada, I am looking at your invoice now.');
    await page.keyboard.press('Enter');
    await page.getByTestId('message-list').locator('[data-testid=message]').filter({ hasText: 'I am looking at your invoice now.' }).waitFor();

    let onClose = false;
    for (let i = 0; i < 10 && !onClose; i++) {
      await page.keyboard.press('Shift+Tab');
      onClose = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'close-chat');
    }
    expect(onClose).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('mat-dialog-container').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('mat-dialog-container').waitFor({ state: 'detached' });
  });

  it('fits a 1,280 px window with readable contrast, and keeps the main screen as a screenshot', async () => {
    await ada.send('It says DE123 but it should be DE456.');
    await ada.send('The invoice is from last Tuesday: https://shop.example.com/invoices/8812');
    await page.getByTestId('message-list').getByText('DE456').waitFor();
    const grace = await VisitorDriver.start(api, { name: 'Grace Hopper', pageUrl: 'https://shop.example.com/pricing', firstMessage: 'Is the Pro plan billed yearly or monthly?' });
    const anon = await VisitorDriver.start(api, { firstMessage: 'Hello? Do you ship to Norway?' });
    visitors.push(grace, anon);
    await queueItem(page, 'Grace Hopper').waitFor();
    await page.getByTestId('queue-item').nth(1).waitFor();
    await ada.typing(true);
    await page.getByTestId('visitor-typing').waitFor();
    await assertFits(page);
    await page.screenshot({ path: screenshotPath('console-main.png') });

    const report = await contrastReport(page, [
      '[data-testid=queue-visitor]',
      '[data-testid=queue-preview]',
      '[data-testid=queue-waited]',
      '[data-testid=queue-count]',
      '[data-testid=operator-name]',
      '[data-testid=chat-visitor-name]',
      '[data-testid=visitor-email]',
      '[data-testid=visitor-presence]',
      '[data-testid=message]',
      '[data-testid=system-line]',
      '.group-head',
      '[data-testid=visitor-typing]',
      '.section-title',
      'mat-hint',
    ]);
    expect(report.length).toBeGreaterThan(10);
    expect(report.filter((r) => r.ratio < 4.5)).toEqual([]);
  });

  it('shows the connection banner readably', async () => {
    await context.setOffline(true);
    await page.getByTestId('connection-banner').waitFor();
    const report = await contrastReport(page, ['[data-testid=connection-banner]']);
    await context.setOffline(false);
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
    expect(report.length).toBe(1);
    expect(report[0].ratio).toBeGreaterThanOrEqual(4.5);
  });

  it('works on a tablet, portrait and landscape', async () => {
    for (const viewport of [
      { width: 768, height: 1024 },
      { width: 1024, height: 768 },
    ]) {
      await page.setViewportSize(viewport);
      await page.waitForTimeout(300);
      await assertFits(page);
      await page.getByTestId('queue-item').first().waitFor();
      expect(await page.getByTestId('queue-accept').first().isVisible()).toBe(true);
    }
    await page.screenshot({ path: screenshotPath('console-tablet.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('on a narrow tablet the queue slides in from a menu button', async () => {
    await page.setViewportSize({ width: 700, height: 1000 });
    await page.getByTestId('panel-toggle').waitFor();
    await page.getByTestId('panel-toggle').click();
    await page.getByTestId('queue-accept').first().waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
