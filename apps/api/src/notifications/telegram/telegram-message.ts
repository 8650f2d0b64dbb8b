import { escapeHtml, escapeHtmlWithin, singleLine } from '../html-text';
import { Notice } from '../notice';

/**
 * Longest `text` of `sendMessage`: "1-4096 characters after entities parsing" (Telegram Bot API,
 * https://core.telegram.org/bots/api#sendmessage). The whole escaped HTML is kept within it, so the text
 * after entities parsing (never longer) is too.
 */
export const TELEGRAM_MAX_TEXT_LENGTH = 4096;

/** Longest escaped fact value (a page URL may be 2,048 characters), so the first message keeps most of the room. */
const MAX_FACT_LENGTH = 600;

const SEPARATOR = '\n\n';

/**
 * The notice as a `sendMessage` text for `parse_mode: HTML`: bold headline and labels, the visitor's
 * strings escaped (so `<b>`, `&`, Markdown specials show as typed), the first message shortened with "…"
 * to keep the whole text within {@link TELEGRAM_MAX_TEXT_LENGTH}, and a link to the console.
 */
export function telegramHtml(notice: Notice): string {
  const head = [
    `<b>${escapeHtml(notice.headline)}</b>`,
    ...notice.facts.map(({ label, value }) => `<b>${escapeHtml(label)}:</b> ${escapeHtmlWithin(singleLine(value), MAX_FACT_LENGTH)}`),
  ].join('\n');
  const link = `<a href="${escapeHtml(notice.link.url)}">${escapeHtml(notice.link.text)}</a>`;
  if (notice.body === undefined) return head + SEPARATOR + link;
  const room = TELEGRAM_MAX_TEXT_LENGTH - head.length - link.length - 2 * SEPARATOR.length;
  return head + SEPARATOR + escapeHtmlWithin(notice.body, room) + SEPARATOR + link;
}
