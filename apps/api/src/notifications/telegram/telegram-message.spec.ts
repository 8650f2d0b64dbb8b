import { ELLIPSIS } from '../html-text';
import { Notice } from '../notice';
import { TELEGRAM_MAX_TEXT_LENGTH, telegramHtml } from './telegram-message';

const notice = (body: string, name = 'Ann'): Notice => ({
  headline: 'New chat waiting, no operator online',
  subject: 'unused',
  facts: [
    { label: 'Visitor', value: name },
    { label: 'Page', value: 'https://shop.example.com/p?a=1&b=2' },
    { label: 'Waiting', value: '5 s' },
  ],
  body,
  link: { url: 'https://chat.example.com/console/chats/abc?x="1"', text: 'Open the chat in the console' },
});

/** The text without Parley's own tags, entities decoded: what a Telegram user reads. */
function visible(html: string): string {
  return html
    .replace(/<\/?b>|<a href="[^"]*">|<\/a>/g, '')
    .replace(/&lt;|&gt;|&quot;|&amp;/g, (e) => ({ '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' })[e]!);
}

describe('telegramHtml', () => {
  it('shows visitor strings exactly as typed: HTML and Markdown specials escaped, only our tags are tags', () => {
    const name = '<b>Eve</b> & *Mallory* _x_ [y](https://evil.example)';
    const body = '</a><a href="https://evil.example">click</a> &amp; `code` **bold**';
    const html = telegramHtml(notice(body, name));
    expect(html.replace(/<\/?b>|<a href="[^"<>]*">|<\/a>/g, '')).not.toMatch(/[<>]/);
    expect(html).not.toMatch(/&(?!lt;|gt;|amp;|quot;)/);
    expect(visible(html)).toContain(`Visitor: ${name}`);
    expect(visible(html)).toContain(body);
    expect(html.endsWith('<a href="https://chat.example.com/console/chats/abc?x=&quot;1&quot;">Open the chat in the console</a>')).toBe(true);
  });

  it('keeps a long first message within 4,096 characters, shortened with an ellipsis before the link', () => {
    const body = `${'😀'.repeat(1000)}${'&'.repeat(3000)}`;
    const html = telegramHtml(notice(body));
    expect(html.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT_LENGTH);
    expect(html.length).toBeGreaterThan(TELEGRAM_MAX_TEXT_LENGTH - 10);
    expect(html).toMatch(new RegExp(`(&amp;|😀)${ELLIPSIS}\\n\\n<a href=`));
    expect(html).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no lone surrogate
  });

  it('leaves a short message whole', () => {
    expect(visible(telegramHtml(notice('Привет! 👋 Где мой заказ?')))).toContain('Привет! 👋 Где мой заказ?');
  });
});
