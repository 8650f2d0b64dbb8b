/** The query parameter of `/login` naming where the operator was going when sign-in was asked for. */
export const RETURN_URL_PARAM = 'returnUrl';

/**
 * The console URL to open after sign-in: `value` when it is a path of this app (`/chats/…`, `/history?…`),
 * else `/`. Refused: anything not starting with one `/` (an absolute URL `https://…`, a protocol-relative
 * `//host`, `/\host`, which browsers read as `//host`), control characters, and `/login` itself — so a
 * link can never send a freshly signed-in operator to another site (open redirect).
 */
export function safeReturnUrl(value: string | null | undefined): string {
  if (typeof value !== 'string' || !value.startsWith('/')) return '/';
  if (value.startsWith('//') || value.includes('\\') || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return '/';
  if (/^\/login(?:[/?#]|$)/.test(value)) return '/';
  return value;
}

/** Query parameters for `/login` that bring the operator back to `url` after sign-in (none for `/`). */
export function returnUrlParams(url: string): Record<string, string> {
  const safe = safeReturnUrl(url);
  return safe === '/' ? {} : { [RETURN_URL_PARAM]: safe };
}
