import { isEmail } from 'class-validator';
import { isEmailAddress } from './email';

/**
 * The API's rule: `@IsEmail()` on CreateVisitorInput.email and VisitorIdentityInput.email (no options).
 * validator.js throws on a lone surrogate (encodeURI); the API then does not take the address either.
 */
const apiAccepts = (value: string) => {
  try {
    return isEmail(value, {});
  } catch {
    return false;
  }
};

const CASES = [
  // what the tester typed, and what an intranet site passes to Parley.identify
  'john@gmail.c',
  'ops@intranet',
  'john@gmail.com',
  'Vera.Smith+chat@Mail.Example.co.uk',
  'vera@example.com',
  'a@b.co',
  'a@b.c0',
  'a@b.123',
  'a@1.2.3.4',
  'a@[127.0.0.1]',
  'a@localhost',
  'a@-example.com',
  'a@example-.com',
  'a@exa_mple.com',
  'a@exa mple.com',
  'a@example..com',
  'a@.example.com',
  'a@example.com.',
  'a.@example.com',
  '.a@example.com',
  'a..b@example.com',
  'a b@example.com',
  '@example.com',
  'a@',
  'a',
  '',
  'a@b@example.com',
  '"a@b"@example.com',
  '"a b"@example.com',
  '"a"b"@example.com',
  '"@example.com',
  'иван@пример.рф',
  'ivan@xn--e1afmkfd.xn--p1ai',
  'ivan@пример.xn--p1ai',
  'user@ｅｘａｍｐｌｅ.com',
  'user@example.ｃｏｍ',
  'Alice <alice@example.com>',
  `${'a'.repeat(64)}@example.com`,
  `${'a'.repeat(65)}@example.com`,
  `${'я'.repeat(33)}@example.com`,
  `a@${'b'.repeat(63)}.com`,
  `a@${'b'.repeat(64)}.com`,
  `a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.com`,
  `a@${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(62)}.${'e'.repeat(62)}.com`,
  'a@b.c\u00a9',
  'a@b.\u00a9\u00a9',
  'a\u00a0b@example.com',
  'a@b.co\n',
  ' a@b.co',
  'a@b.co ',
  'a@\ud800.com',
  '\ud800@example.com',
];

describe('isEmailAddress: what the pre-chat form takes as an e-mail address', () => {
  it('refuses the tester’s addresses, which the API refuses too', () => {
    expect(['john@gmail.c', 'ops@intranet'].map(isEmailAddress)).toEqual([false, false]);
    expect(['john@gmail.c', 'ops@intranet'].map(apiAccepts)).toEqual([false, false]);
  });

  it.each(CASES)('agrees with the API’s @IsEmail() on %j', (value) => {
    expect(isEmailAddress(value)).toBe(apiAccepts(value));
  });

  it('agrees with the API’s @IsEmail() on 20,000 random strings near e-mail addresses', () => {
    // A small deterministic PRNG (mulberry32), so a disagreement is reproducible.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = ['a', 'Z', '0', '9', '.', '.', '-', '_', '+', '@', '"', ' ', '\\', 'я', 'ｅ', '©', 'xn--', 'com', 'c', '[', ']', '\t', '!'];
    const disagreements: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const word = (n: number) => Array.from({ length: n }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      const value = `${word(1 + Math.floor(random() * 5))}@${word(1 + Math.floor(random() * 4))}.${word(1 + Math.floor(random() * 3))}`;
      if (isEmailAddress(value) !== apiAccepts(value)) disagreements.push(value);
    }
    expect(disagreements).toEqual([]);
  });
});
