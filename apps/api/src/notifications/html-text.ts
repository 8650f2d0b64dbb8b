/**
 * Text → HTML for notifications (Telegram's HTML parse mode and the e-mail's HTML part).
 *
 * Telegram Bot API, "Formatting options › HTML style" (https://core.telegram.org/bots/api#html-style):
 * every `<`, `>` and `&` that is not part of a tag or an HTML entity must be replaced with `&lt;`, `&gt;`
 * and `&amp;`; of the named entities only `&lt;`, `&gt;`, `&amp;` and `&quot;` are supported. Attribute
 * values are written in double quotes here, so `"` becomes `&quot;` too. The same four replacements make
 * text safe in the e-mail's HTML part.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes `&`, `<`, `>` and `"` (see above). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ENTITIES[c]);
}

/** The shortening mark. */
export const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Escapes `text` so that the result is at most `maxLength` UTF-16 code units (how Telegram counts);
 * when the whole text does not fit, keeps as many leading user-perceived characters (grapheme clusters:
 * never half a surrogate pair, an emoji sequence or an escaped entity) as fit before a trailing "…".
 */
export function escapeHtmlWithin(text: string, maxLength: number): string {
  return fitWithin(text, maxLength, escapeHtml);
}

/** Like {@link escapeHtmlWithin} without escaping: at most `maxLength` UTF-16 code units, "…" when cut. */
export function shorten(text: string, maxLength: number): string {
  return fitWithin(text, maxLength, (segment) => segment);
}

function fitWithin(text: string, maxLength: number, encode: (text: string) => string): string {
  const whole = encode(text);
  if (whole.length <= maxLength) return whole;
  const budget = maxLength - ELLIPSIS.length;
  if (budget < 0) return '';
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    const encoded = encode(segment);
    if (kept.length + encoded.length > budget) break;
    kept += encoded;
  }
  return kept + ELLIPSIS;
}

/** Replaces line breaks and other control characters with spaces (one-line fields, mail headers). */
export function singleLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}
