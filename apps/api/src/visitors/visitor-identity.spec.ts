import { identityPayload, identitySignature, verifyIdentity } from './visitor-identity';

describe('signed visitor identity', () => {
  const secret = 'site-secret-with-enough-entropy-1234567890';
  const now = 1_800_000_000_000;
  const base = { userId: 'u-42', email: 'ada@example.com', name: 'Ada', issuedAt: now / 1000 - 10 };
  const signed = { ...base, signature: identitySignature(base, secret) };

  it('signs an unambiguous canonical payload', () => {
    expect(identityPayload(base)).toBe(`["u-42","ada@example.com","Ada",${base.issuedAt}]`);
    expect(identityPayload({ userId: 'a","b', issuedAt: 1 })).toBe('["a\\",\\"b",null,null,1]');
  });

  it('accepts a fresh, correctly signed identity', () => {
    expect(verifyIdentity(signed, secret, 600, now)).toEqual({ ok: true });
  });

  it('refuses a changed field, another secret or a malformed signature', () => {
    expect(verifyIdentity({ ...signed, email: 'eve@example.com' }, secret, 600, now).ok).toBe(false);
    expect(verifyIdentity({ ...signed, userId: 'u-43' }, secret, 600, now).ok).toBe(false);
    expect(verifyIdentity(signed, 'another-secret', 600, now).ok).toBe(false);
    expect(verifyIdentity({ ...signed, signature: 'zz' }, secret, 600, now).ok).toBe(false);
  });

  it('refuses an identity signed too long ago or in the future', () => {
    const old = { ...base, issuedAt: now / 1000 - 601 };
    expect(verifyIdentity({ ...old, signature: identitySignature(old, secret) }, secret, 600, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/at most 600 s/) });
    const future = { ...base, issuedAt: now / 1000 + 120 };
    expect(verifyIdentity({ ...future, signature: identitySignature(future, secret) }, secret, 600, now)).toEqual({ ok: false, reason: 'issuedAt is in the future' });
  });
});
