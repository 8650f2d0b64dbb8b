import type { Locator, Page } from 'playwright-core';
import { eventually } from './operator';

/**
 * The widget on a page, found through its open shadow root (Playwright's CSS engine pierces it), used the
 * way a visitor would: clicks, typing, Enter.
 */
export class WidgetOnPage {
  readonly launcher: Locator;
  readonly badge: Locator;
  readonly panel: Locator;
  readonly composer: Locator;
  readonly queue: Locator;
  readonly notice: Locator;
  readonly subtitle: Locator;
  readonly typing: Locator;
  readonly closedBox: Locator;

  constructor(readonly page: Page) {
    const w = (selector: string) => page.locator(`parley-widget ${selector}`);
    this.launcher = w('button.launcher');
    this.badge = w('.launcher .badge');
    this.panel = w('.panel');
    this.composer = w('.composer textarea');
    this.queue = w('.queue');
    this.notice = w('.notice');
    this.subtitle = w('.subtitle');
    this.typing = w('.typing');
    this.closedBox = w('.closed');
  }

  /** Waits until `window.Parley` exists (widget.js ran). */
  async ready(): Promise<void> {
    await this.page.waitForFunction(() => !!(window as any).Parley);
  }

  /** Opens the panel with the launcher and waits for the chat panel to be there. */
  async open(): Promise<void> {
    await this.launcher.click();
    await this.page.locator('parley-widget section.chat').waitFor();
  }

  /** Fills the pre-chat step (both fields optional) and starts the chat. */
  async prechat(name = '', email = ''): Promise<void> {
    if (name) await this.page.locator('parley-widget input[name=name]').fill(name);
    if (email) await this.page.locator('parley-widget input[name=email]').fill(email);
    await this.page.locator('parley-widget form.prechat button[type=submit]').click();
    await this.composer.waitFor();
  }

  /** Types `text` into the message box and presses Enter. */
  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press('Enter');
  }

  /** The texts of the conversation's lines, in order. */
  lines(): Promise<string[]> {
    return this.page.locator('parley-widget .log li').evaluateAll((items) => items.map((li) => (li.querySelector('.bubble') ?? li).textContent ?? ''));
  }

  /** The line showing `text`. */
  line(text: string): Locator {
    return this.page.locator('parley-widget .log li').filter({ has: this.page.locator('.bubble', { hasText: text }) }).or(this.page.locator('parley-widget .log li.system', { hasText: text }));
  }

  /** Delivery status shown under the visitor's line `text` ("Sending…", "Sent", "Not sent"). */
  status(text: string): Locator {
    return this.line(text).locator('.status');
  }

  /** Waits until the conversation's lines are exactly `expected`. */
  async waitForLines(expected: string[], timeoutMs = 15000): Promise<void> {
    await eventually(async () => JSON.stringify(await this.lines()) === JSON.stringify(expected), `lines ${JSON.stringify(expected)} (now ${JSON.stringify(await this.lines())})`, timeoutMs);
  }
}

/** Waits until `locator` is visible and its text equals (or matches) `expected`. */
export async function waitForText(locator: Locator, expected: string | RegExp, timeoutMs = 15000): Promise<void> {
  await eventually(
    async () => {
      if (!(await locator.first().isVisible())) return false;
      const text = (await locator.first().textContent()) ?? '';
      return typeof expected === 'string' ? text === expected : expected.test(text);
    },
    `${String(locator)} to show ${String(expected)} (now "${await locator.first().textContent().catch(() => '?')}")`,
    timeoutMs,
  );
}

/** Waits until `locator` is hidden or gone. */
export async function waitHidden(locator: Locator, timeoutMs = 15000): Promise<void> {
  await locator.first().waitFor({ state: 'hidden', timeout: timeoutMs });
}

/**
 * Records, from the frames the browser sees on the page's WebSockets, every answer `SERVICE_UNAVAILABLE`
 * to an operation whose document contains `field` (e.g. `sessionEvents(`, `sendMessage(`): the operation's
 * id once per refusal. Set up before the page opens its sockets; read `new Set(ids).size` for attempts.
 */
export function refusedOperations(page: Page, field: string): string[] {
  const operations = new Set<string>();
  const refusals: string[] = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      const frame = JSON.parse(String(payload)) as { id?: string; type: string; payload?: { query?: string } };
      if (frame.type === 'subscribe' && frame.payload?.query?.includes(field)) operations.add(frame.id!);
    });
    socket.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(String(payload)) as { id?: string };
      if (frame.id && operations.has(frame.id) && String(payload).includes('"SERVICE_UNAVAILABLE"')) refusals.push(frame.id);
    });
  });
  return refusals;
}
