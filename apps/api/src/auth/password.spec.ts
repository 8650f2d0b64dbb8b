import { hashPassword, passwordWeakness, verifyPassword } from './password';

describe('password hashing', () => {
  it('stores an Argon2id PHC string that verifies only the right password', async () => {
    const phc = await hashPassword('correct horse battery');
    expect(phc).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(phc, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(phc, 'correct horse batterz')).toBe(false);
  });

  it('treats a corrupt hash as a mismatch, not a crash', async () => {
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });

  it('refuses short and degenerate passwords', () => {
    expect(passwordWeakness('short')).toMatch(/at least 10/);
    expect(passwordWeakness('aaaaaaaaaaaa')).toMatch(/distinct/);
    expect(passwordWeakness('a long passphrase')).toBeUndefined();
  });
});
