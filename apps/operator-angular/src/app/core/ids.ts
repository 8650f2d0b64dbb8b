/**
 * A random RFC 4122 version-4 UUID, used as a message's `clientMessageId` (the idempotency key of
 * `sendMessage`). `crypto.randomUUID` exists only in secure contexts (https, localhost); a console opened
 * over plain http on a LAN address falls back to `crypto.getRandomValues`, which exists everywhere.
 */
export function newClientMessageId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
