import type { Page } from 'playwright-core';

/** U+202E RIGHT-TO-LEFT OVERRIDE: reverses the display of what follows it in its paragraph. */
export const RLO = '\u202E';

/**
 * Stored-XSS payloads (issue 6 point 8), one set per field, each within the API's limits. Every script in
 * them calls `alert(…)` (seen with `page.on('dialog')`) and sets `window.__xss` (seen with {@link xssFired}).
 * `tag` makes them unique per run.
 */
export function xssPayloads(tag: string) {
  const run = (what: string) => `alert('xss-${what}');__xss='${what}'`;
  return {
    /** ≤ 120 characters. */
    name: `<img src=x onerror="${run('name')}">${tag}"><svg onload="${run('name2')}">`,
    /** A valid e-mail address (quoted local part) that is also markup. */
    email: `"<img src=x onerror=alert(1)>"@${tag}.example.com`,
    /** A valid http(s) URL that tries to break out of an attribute. */
    pageUrl: `https://shop.example/${tag}/'onmouseover='${run('page')}'`,
    /** Script, event handlers, `javascript:` links in several disguises, and one harmless https link. */
    message: [
      `<script>${run('script')}</script> ${tag}`,
      `<img src=x onerror="${run('img')}">`,
      `"><svg onload="${run('svg')}">`,
      `<a href="javascript:${run('a')}">click me</a>`,
      `javascript:${run('bare')}`,
      `[markdown](javascript:${run('md')})`,
      `<iframe src="javascript:${run('iframe')}"></iframe>`,
      `Safe: https://safe.example/docs?x=1`,
    ].join('\n'),
    resolution: `Resolved <img src=x onerror="${run('resolution')}"> "><svg onload="${run('resolution2')}"> javascript:${run('res-js')} ${tag}`,
  };
}

/**
 * Text with right-to-left override characters (a classic spoof: `invoice‮fdp.exe` shows as `invoiceexe.pdf`),
 * one per field. Shown as typed, they may reverse their own text, but nothing else on the screen.
 */
export function rtlPayloads(tag: string) {
  return {
    name: `Eve ${tag} ${RLO}gnp.exe`,
    email: `eve.${tag}${RLO}gnp.exe@example.com`,
    pageUrl: `https://shop.example/${tag}/${RLO}fdp.exe`,
    message: `Please open invoice-${tag}-${RLO}fdp.exe`,
    resolution: `Sent the file ${RLO}fdp.exe ${tag}`,
  };
}

/** Records every dialog (alert, confirm, prompt) the page opens, and dismisses it. */
export function recordDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  return dialogs;
}

/** Whether any payload's script ran (it sets `window.__xss`). */
export function xssFired(page: Page): Promise<string | null> {
  return page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null);
}

/**
 * Everything in the document (open shadow roots included) that markup from visitor or operator text could
 * have created: inline event handlers (`on…` attributes), `<script>` / `<iframe>` / `<object>` / `<embed>`
 * elements holding our payloads, `<img src=x>`, and any link or frame whose URL is not http(s).
 * Returns a description of each; empty when the page is clean.
 */
export function injectedElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const describe = (el: Element) => `<${el.tagName.toLowerCase()} ${Array.from(el.attributes, (a) => `${a.name}="${a.value.slice(0, 60)}"`).join(' ')}>`;
    const visit = (root: Document | ShadowRoot) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        // The page's own <head> (e.g. the console's build inlines `<link media=print onload=…>` for its CSS) holds no visitor text.
        if (el.closest('head')) continue;
        if (Array.from(el.attributes).some((a) => a.name.toLowerCase().startsWith('on'))) found.push(`handler: ${describe(el)}`);
        const tag = el.tagName.toLowerCase();
        if (tag === 'script' && /xss/.test(el.textContent ?? '')) found.push(`script: ${describe(el)}`);
        if (['iframe', 'object', 'embed', 'frame'].includes(tag)) found.push(`frame: ${describe(el)}`);
        if (tag === 'img' && el.getAttribute('src') === 'x') found.push(`img: ${describe(el)}`);
        for (const attr of ['href', 'xlink:href', 'src', 'action', 'formaction']) {
          const value = el.getAttribute(attr);
          if (value && /^\s*(javascript|data|vbscript):/i.test(value)) found.push(`url: ${describe(el)}`);
        }
        if (el instanceof HTMLAnchorElement && el.hasAttribute('href') && !/^https?:$/.test(new URL(el.href, document.baseURI).protocol)) found.push(`link: ${describe(el)}`);
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(document);
    return found;
  });
}

/** The `href` of every link inside the elements matching `selector` (open shadow roots pierced by Playwright). */
export function linksIn(page: Page, selector: string): Promise<string[]> {
  return page.locator(`${selector} a`).evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? ''));
}

/**
 * Where a right-to-left override in `payloads` could reorder text that is not part of the payload: for
 * each rendered occurrence, the text that follows it in the same bidi paragraph (up to the nearest block,
 * atomic inline, or isolating element such as `<bdi>` or `unicode-bidi: isolate`). Returns one entry per
 * leak; empty when every payload is isolated.
 */
export function bidiLeaks(page: Page, payloads: string[]): Promise<string[]> {
  return page.evaluate((list) => {
    const leaks: string[] = [];
    const isolating = (el: Element) => {
      const style = getComputedStyle(el);
      return el.tagName === 'BDI' || ['isolate', 'isolate-override', 'plaintext'].includes(style.unicodeBidi) || !['inline', 'contents'].includes(style.display);
    };
    const parentOf = (node: Node): Element | null => node.parentElement ?? ((node.parentNode as ShadowRoot | null)?.host ?? null);
    const visit = (root: Document | ShadowRoot) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        if (!text.includes('\u202E')) continue;
        let boundary = parentOf(node);
        while (boundary && !isolating(boundary)) boundary = parentOf(boundary);
        if (!boundary || !(boundary as HTMLElement).innerText) continue; // not rendered
        for (const line of (boundary as HTMLElement).innerText.split('\n')) {
          for (const payload of list) {
            const at = line.indexOf(payload);
            if (at >= 0 && line.slice(at + payload.length).trim()) {
              leaks.push(`"${line.slice(at + payload.length).trim().slice(0, 40)}" after ${JSON.stringify(payload)} in <${boundary.tagName.toLowerCase()} class="${boundary.getAttribute('class') ?? ''}">`);
            }
          }
        }
      }
      for (const el of Array.from(root.querySelectorAll('*'))) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document);
    return [...new Set(leaks)];
  }, payloads);
}

/** Fails with the details when a dialog opened, a payload's script ran or markup became elements. */
export async function expectInert(page: Page, dialogs: string[]): Promise<void> {
  expect({ dialogs, fired: await xssFired(page), injected: await injectedElements(page) }).toEqual({ dialogs: [], fired: null, injected: [] });
}
