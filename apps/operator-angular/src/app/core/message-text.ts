/** A piece of visitor-supplied text: plain text, or a link when it is an http(s) URL. */
export interface TextSegment {
  text: string;
  /** Set only for `http:` and `https:` URLs; everything else stays text. */
  href?: string;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/**
 * The URL when `raw` is an absolute `http:` or `https:` URL, else `null`. Anything else (`javascript:`,
 * `data:`, relative paths, garbage) is never turned into a link.
 */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Splits message text into text and link segments. Only `http(s)://…` runs become links (trailing
 * punctuation stays text); the caller renders every segment through Angular interpolation, so markup in
 * the text is shown, never interpreted.
 */
export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    let candidate = match[0];
    const trailing = TRAILING_PUNCTUATION.exec(candidate);
    if (trailing) candidate = candidate.slice(0, -trailing[0].length);
    const href = safeHttpUrl(candidate);
    if (!href) continue;
    if (start > last) segments.push({ text: text.slice(last, start) });
    segments.push({ text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}
