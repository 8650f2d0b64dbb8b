// HS256 JSON Web Tokens (RFC 7519) with node:crypto, so the benchmark can hand out tokens the same way
// for both systems: Parley's idle widgets (scenario c) and every baseline client. Same claims as Parley:
// `sub`, `typ` ('v' visitor, 'o' operator), `exp` (Unix seconds).
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const HEADER = b64({ alg: 'HS256', typ: 'JWT' });

/** Signs `{ sub, typ }` for `ttlSeconds` (default one day). */
export function signToken(secret, sub, typ, ttlSeconds = 86400) {
  const now = Math.floor(Date.now() / 1000);
  const body = `${HEADER}.${b64({ sub, typ, iat: now, exp: now + ttlSeconds })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Verifies signature and expiry; returns the claims or undefined. */
export function verifyToken(secret, token) {
  if (typeof token !== 'string') return undefined;
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() ? claims : undefined;
}
