import { codePointLength, normalizeText } from './content';

describe('codePointLength', () => {
  it('counts an astral emoji as one code point', () => {
    expect(codePointLength('a😀b')).toBe(3);
    expect('a😀b'.length).toBe(4);
  });
});

describe('normalizeText', () => {
  it('trims surrounding whitespace', () => {
    expect(normalizeText('  hi \n', 10)).toEqual({ ok: true, text: 'hi' });
  });
  it('refuses blank text', () => {
    expect(normalizeText(' \t\n ', 10)).toEqual({ ok: false, reason: 'empty' });
  });
  it('accepts exactly the limit in code points, even when UTF-16 length is larger', () => {
    const text = '😀'.repeat(10);
    expect(normalizeText(text, 10)).toEqual({ ok: true, text });
  });
  it('removes NUL characters, which PostgreSQL text cannot hold; only NULs is blank', () => {
    expect(normalizeText(' a\u0000b\u0000 ', 10)).toEqual({ ok: true, text: 'ab' });
    expect(normalizeText('\u0000\u0000', 10)).toEqual({ ok: false, reason: 'empty' });
  });
  it('refuses one code point over the limit', () => {
    expect(normalizeText('x'.repeat(11), 10)).toEqual({ ok: false, reason: 'too-long' });
  });
});
