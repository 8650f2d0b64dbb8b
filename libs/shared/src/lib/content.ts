/**
 * Length of a string in Unicode code points (what a person counts as characters,
 * unlike `String.length`, which counts UTF-16 code units: an emoji is 2 units, 1 code point).
 */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Result of {@link normalizeText}: the trimmed text, or why it was refused. */
export type NormalizedText =
  | { ok: true; text: string }
  | { ok: false; reason: 'empty' | 'too-long' };

/**
 * Removes NUL characters (U+0000: nobody types one, and PostgreSQL `text` cannot hold it), trims `raw`
 * and checks it is non-empty and at most `maxCodePoints` code points long.
 * Used for message content, resolutions and comments on both sides, so the widget and the
 * console refuse exactly what the API refuses as empty or too long. A NUL the clients remove here never
 * reaches the API; one that does is refused there (`BAD_USER_INPUT`, the API's `InputValidationPipe`),
 * before this runs.
 */
export function normalizeText(raw: string, maxCodePoints: number): NormalizedText {
  const text = (raw.includes('\u0000') ? raw.replaceAll('\u0000', '') : raw).trim();
  if (text.length === 0) return { ok: false, reason: 'empty' };
  if (codePointLength(text) > maxCodePoints) return { ok: false, reason: 'too-long' };
  return { ok: true, text };
}
