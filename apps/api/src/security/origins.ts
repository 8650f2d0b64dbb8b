/**
 * Whether a browser page from `origin` may use the API. `undefined` (no `Origin` header: not a browser,
 * e.g. a server-side integration or a CLI) is always allowed; browsers always send `Origin` on
 * WebSocket upgrades and cross-origin requests (RFC 6454 §7, Fetch standard).
 */
export function isAllowedOrigin(origin: string | undefined, allowed: '*' | string[]): boolean {
  if (origin === undefined) return true;
  return allowed === '*' || allowed.includes(origin);
}
