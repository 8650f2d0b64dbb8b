import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a customer site states about its signed-in user, and its signature (see {@link identitySignature}). */
export interface SignedIdentity {
  /** The site's own stable id of the user. */
  userId: string;
  email?: string | null;
  name?: string | null;
  /** When the site signed it, Unix seconds. */
  issuedAt: number;
  /** Lower-case hex HMAC-SHA256 (RFC 2104, FIPS 180-4) of the canonical payload under the site's secret. */
  signature: string;
}

/** Outcome of {@link verifyIdentity}. */
export type IdentityCheck = { ok: true } | { ok: false; reason: string };

/**
 * The canonical payload a site signs: `JSON.stringify([userId, email, name, issuedAt])`, with a missing
 * e-mail or name as `null`. A JSON array is unambiguous (no separator can be smuggled into a field) and
 * every language writes it the same way for these types.
 */
export function identityPayload(identity: Omit<SignedIdentity, 'signature'>): string {
  return JSON.stringify([identity.userId, identity.email ?? null, identity.name ?? null, identity.issuedAt]);
}

/** The signature a site computes with its secret (`IDENTITY_SECRET`); hex HMAC-SHA256 of {@link identityPayload}. */
export function identitySignature(identity: Omit<SignedIdentity, 'signature'>, secret: string): string {
  return createHmac('sha256', secret).update(identityPayload(identity)).digest('hex');
}

/**
 * Accepts a signed identity only when the signature matches (constant-time comparison) and `issuedAt`
 * is within the validity window: not older than `maxAgeSeconds`, not more than 60 s in the future (clock skew).
 */
export function verifyIdentity(identity: SignedIdentity, secret: string, maxAgeSeconds: number, nowMs = Date.now()): IdentityCheck {
  const expected = Buffer.from(identitySignature(identity, secret), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(identity.signature) ? Buffer.from(identity.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  const age = nowMs / 1000 - identity.issuedAt;
  if (age > maxAgeSeconds) return { ok: false, reason: `signed ${Math.round(age)} s ago; at most ${maxAgeSeconds} s are accepted` };
  if (age < -60) return { ok: false, reason: 'issuedAt is in the future' };
  return { ok: true };
}
