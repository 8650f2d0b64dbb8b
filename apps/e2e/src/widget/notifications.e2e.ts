/**
 * Issue 5, "Done when": with a fake Telegram Bot API and an SMTP sink running, a visitor writing on /demo
 * (Debian Chromium) while no operator is online produces exactly one Telegram message and one e-mail, with
 * safe, readable text — through the built API process, its in-process BullMQ workers, PostgreSQL and Redis.
 */
import type { ParsedMail } from 'mailparser';
import { Client } from 'pg';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser';
import { type CapturedMail, type FakeTelegram, type SmtpSink, startFakeTelegram, startSmtpSink } from '../support/notification-sinks';
import { eventually } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, WidgetOnPage } from './support/widget-page';

const BOT_TOKEN = '123456789:e2e-fake-token_for-parley';
const CHAT_ID = '-1001234567890';
const RECIPIENTS = ['oncall@example.com', 'lead@example.com'];

/** Visitor input with HTML specials (a would-be tag and an entity), Cyrillic and an emoji. */
const NAME = 'Zoë <b>&amp; Иван</b> 🙂';
const EMAIL = 'zoe@example.com';
const MESSAGE = 'Hi! <script>alert("x")</script> & *bold* _it_ [link](https://evil.example) — Привет 👋';

/** How long to keep listening after the first notifications, to show that no second one comes. */
const QUIET_MS = 4000;

/** Escapes as Telegram's HTML style and an HTML text node / double-quoted attribute need. */
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The text a Telegram user reads: Parley's own tags removed, the four supported entities decoded. */
const telegramVisible = (html: string) =>
  html.replace(/<\/?b>|<a href="[^"]*">|<\/a>/g, '').replace(/&lt;|&gt;|&quot;|&amp;/g, (e) => ({ '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' })[e]!);

let server: WidgetApi;
let telegram: FakeTelegram;
let smtp: SmtpSink;
let browser: Browser;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  smtp = await startSmtpSink();
  server = await startWidgetApi({
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    TELEGRAM_CHAT_IDS: CHAT_ID,
    TELEGRAM_API_URL: telegram.url,
    SMTP_URL: smtp.url,
    NOTIFY_EMAILS: RECIPIENTS.join(', '),
    NOTIFY_EMAIL_FROM: 'Parley alerts <alerts@example.com>',
    NOTIFY_BACKOFF_MS: '500',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await telegram?.close();
  await smtp?.close();
});

/** The one chat session in this file's own database (as the widget created it), with its visitor. */
async function onlySession(): Promise<{ id: string; name: string; page_url: string }> {
  const client = new Client({ connectionString: server.api.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT cs.id, v.name, v.page_url FROM chat_session cs JOIN visitor v ON v.id = cs.visitor_id');
    expect(rows).toHaveLength(1);
    return rows[0];
  } finally {
    await client.end();
  }
}

it('a visitor writing on /demo with no operator online: exactly one Telegram message and one e-mail, escaped and readable', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.api.url}/demo`);
  const w = new WidgetOnPage(page);
  await w.open();
  await w.prechat(NAME, EMAIL);
  await w.send(MESSAGE);
  await waitForText(w.status(MESSAGE), 'Sent');
  await waitForText(w.queue, /No operator is online right now\. Your message is kept/);
  await page.screenshot({ path: screenshotPath('widget-notified.png') });

  // Exactly one of each: wait for them, then keep listening.
  await eventually(() => telegram.requests.length >= 1 && smtp.mails.length >= 1, 'a Telegram message and an e-mail', 20000);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  expect(telegram.requests).toHaveLength(1);
  expect(smtp.mails).toHaveLength(1);
  await context.close();

  const session = await onlySession();
  const pageUrl = `${server.api.url}/demo`;
  const chatLink = `${server.api.url}/console/chats/${session.id}`;
  expect(session).toEqual({ id: session.id, name: NAME, page_url: pageUrl }); // stored as typed, nothing stripped

  // Telegram: sendMessage to the chat, HTML parse mode, only Parley's own tags, every visitor string escaped.
  const [{ method, path, body }] = telegram.requests;
  expect(`${method} ${path}`).toBe(`POST /bot${BOT_TOKEN}/sendMessage`);
  expect(String(body.chat_id)).toBe(CHAT_ID);
  expect(body.parse_mode).toBe('HTML');
  const text = body.text ?? '';
  expect(text.replace(/<\/?b>|<a href="[^"<>]*">|<\/a>/g, '')).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!lt;|gt;|amp;|quot;)/);
  expect(text).toContain(`<b>Visitor:</b> ${escapeHtml(`${NAME} <${EMAIL}>`)}\n`);
  expect(text).toContain(`<b>Page:</b> ${escapeHtml(pageUrl)}\n`);
  expect(text).toMatch(/<b>Waiting:<\/b> \d+ s\n/);
  expect(text).toContain(`\n\n${escapeHtml(MESSAGE)}\n\n`);
  expect(text).toContain(`<a href="${escapeHtml(chatLink)}">Open the chat in the console</a>`);
  const seen = telegramVisible(text);
  expect(seen).toContain(`Visitor: ${NAME} <${EMAIL}>`);
  expect(seen).toContain(MESSAGE);

  // E-mail: to NOTIFY_EMAILS, a readable Unicode subject (RFC 2047-encoded on the wire), text and HTML parts.
  const [{ mail, recipients }]: CapturedMail[] = smtp.mails;
  expect([...recipients].sort()).toEqual([...RECIPIENTS].sort());
  expect(mail.from?.value).toEqual([{ address: 'alerts@example.com', name: 'Parley alerts' }]);
  // The whole subject would be 151 UTF-16 units: shortened to 150 with "…", on a character boundary.
  const subject = mail.subject ?? '';
  const fullSubject = `New chat waiting, no operator online: ${NAME} — ${MESSAGE}`;
  expect(fullSubject.length).toBeGreaterThan(150);
  expect(subject.length).toBeLessThanOrEqual(150);
  expect(subject).toMatch(/^New chat waiting, no operator online: Zoë <b>&amp; Иван<\/b> 🙂 — Hi! <script>.*…$/u);
  expect(fullSubject.startsWith(subject.slice(0, -1))).toBe(true);
  expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no half emoji
  const rawSubject = mail.headerLines.find((h) => h.key === 'subject')!.line;
  expect(rawSubject).toMatch(/^[\x20-\x7e\r\n\t]+$/); // only ASCII on the wire
  for (const header of mail.headerLines) expect(header.line).not.toContain('Иван'); // no visitor text in raw headers

  expect(mail.text).toContain(`Visitor: ${NAME} <${EMAIL}>\n`);
  expect(mail.text).toContain(`Page: ${pageUrl}\n`);
  expect(mail.text).toMatch(/Waiting: \d+ s\n/);
  expect(mail.text).toContain(`\n${MESSAGE}\n`);
  expect(mail.text).toContain(`Open the chat in the console: ${chatLink}`);

  const html = htmlPart(mail);
  expect(html).toContain(escapeHtml(`${NAME} <${EMAIL}>`));
  expect(html).toContain(escapeHtml(pageUrl));
  expect(html).toContain(escapeHtml(MESSAGE));
  expect(html).toContain(`<a href="${escapeHtml(chatLink)}">`);
  expect(html).not.toMatch(/<\/?b>|<script/i); // the visitor's tags are never tags

  // Rendered as a mail client would (scripts off): the visitor's strings read exactly as typed, as text.
  const reader = await browser.newContext({ javaScriptEnabled: false });
  const view = await reader.newPage();
  await view.setContent(html);
  const rendered = await view.evaluate(() => ({
    text: document.body.innerText,
    tags: Array.from(document.body.querySelectorAll('*'), (e) => e.tagName.toLowerCase()),
    links: Array.from(document.links, (a) => a.href),
  }));
  await reader.close();
  expect(rendered.text).toContain(`${NAME} <${EMAIL}>`);
  expect(rendered.text).toContain(pageUrl);
  expect(rendered.text).toContain(MESSAGE);
  expect(rendered.tags).not.toContain('b');
  expect(rendered.tags).not.toContain('script');
  expect(rendered.links).toEqual([chatLink]);
});

function htmlPart(mail: ParsedMail): string {
  expect(typeof mail.html).toBe('string');
  return mail.html as string;
}
