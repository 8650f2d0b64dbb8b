import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { RLO, bidiLeaks, injectedElements, recordDialogs, xssFired, xssPayloads } from './xss';

/**
 * The detectors the XSS tests rely on (`console/xss.e2e.ts`, `widget/xss.e2e.ts`) must see what they
 * look for: here each is shown a page with the flaw it exists to catch (markup rendered as HTML inside a
 * shadow root, a `javascript:` link, an override leaking into the next words), and the same page done
 * right. No API needed.
 */
describe('XSS test detectors', () => {
  let browser: Browser;
  let page: Page;
  let dialogs: string[];
  const payload = xssPayloads('selftest');

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    dialogs = recordDialogs(page);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('catch markup rendered as HTML (in a shadow root): the dialog, the script flag and the injected elements', async () => {
    await page.goto('about:blank');
    await page.setContent('<html><body><div id="host"></div></body></html>');
    await page.evaluate((html) => {
      const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
      const p = document.createElement('p');
      p.innerHTML = html; // the bug the real tests guard against
      root.appendChild(p);
    }, payload.message);
    await page.waitForFunction(() => (window as unknown as { __xss?: string }).__xss !== undefined);
    expect(await xssFired(page)).not.toBeNull();
    const found = await injectedElements(page);
    expect(found.some((f) => f.startsWith('handler: <img'))).toBe(true);
    expect(found.some((f) => /^(url|link): <a /.test(f))).toBe(true);
    expect(found.some((f) => f.startsWith('frame: <iframe'))).toBe(true);
    expect(dialogs.length).toBeGreaterThan(0);
  });

  it('report nothing when the same text is rendered as text', async () => {
    dialogs.length = 0;
    await page.goto('about:blank'); // a fresh window: no flag left from the previous test
    await page.setContent('<html><body><div id="host"></div></body></html>');
    await page.evaluate((text) => {
      const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
      const p = document.createElement('p');
      p.textContent = text;
      root.appendChild(p);
    }, payload.message);
    expect({ dialogs, fired: await xssFired(page), injected: await injectedElements(page) }).toEqual({ dialogs: [], fired: null, injected: [] });
  });

  it('catch a right-to-left override that reorders the words after it, and accept it when isolated', async () => {
    const name = `Eve ${RLO}gnp.exe`;
    await page.setContent('<html><body><p id="leaky"></p><p id="isolated"><bdi></bdi> is typing…</p><div style="display:flex"><span id="item"></span><span>0:05</span></div></body></html>');
    await page.evaluate((text) => {
      document.getElementById('leaky')!.textContent = `${text} is typing…`;
      document.querySelector('#isolated bdi')!.textContent = text;
      document.getElementById('item')!.textContent = text;
    }, name);
    expect(await bidiLeaks(page, [name])).toEqual([`"is typing…" after ${JSON.stringify(name)} in <p class="">`]);
    await page.evaluate(() => document.getElementById('leaky')!.remove());
    expect(await bidiLeaks(page, [name])).toEqual([]);
  });
});
