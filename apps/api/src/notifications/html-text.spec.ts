import { ELLIPSIS, escapeHtml, escapeHtmlWithin, shorten, singleLine } from './html-text';

describe('escapeHtml', () => {
  it('escapes what Telegram’s HTML style requires (<, >, &) and " for attributes; Markdown specials stay as typed', () => {
    expect(escapeHtml('<b>Tom & "Jerry"</b>')).toBe('&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;');
    expect(escapeHtml("*bold* _it_ [x](y) `c` ~s~ 'q'")).toBe("*bold* _it_ [x](y) `c` ~s~ 'q'");
    expect(escapeHtml('&amp;')).toBe('&amp;amp;'); // text that looks like an entity is text
  });
});

describe('escapeHtmlWithin', () => {
  it('returns the whole escaped text when it fits', () => {
    expect(escapeHtmlWithin('a&b', 7)).toBe('a&amp;b');
  });

  it('never cuts inside an entity', () => {
    const cut = escapeHtmlWithin('&&&&&', 14); // room for 2 entities + "…"; the third would end mid-entity
    expect(cut).toBe(`&amp;&amp;${ELLIPSIS}`);
    expect(cut.length).toBeLessThanOrEqual(14);
  });

  it('never cuts a surrogate pair or an emoji sequence', () => {
    const family = '👨‍👩‍👧'; // 8 UTF-16 units, one user-perceived character
    const cut = escapeHtmlWithin(`ab${family}${family}`, 12);
    expect(cut).toBe(`ab${family}${ELLIPSIS}`);
    expect(escapeHtmlWithin('😀😀😀', 4)).toBe(`😀${ELLIPSIS}`);
    expect(escapeHtmlWithin('😀😀😀', 3)).toBe(`😀${ELLIPSIS}`);
    expect(escapeHtmlWithin('😀😀😀', 2)).toBe(ELLIPSIS);
  });

  it('keeps every result within the limit', () => {
    const text = 'Привет <&> 👍🏽 '.repeat(300);
    for (const max of [1, 5, 17, 100, 4096]) {
      const out = escapeHtmlWithin(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.endsWith(ELLIPSIS)).toBe(true);
      expect(out).not.toMatch(/&[a-z]*…$/); // no half entity before the mark
    }
  });
});

describe('shorten and singleLine', () => {
  it('shortens plain text the same way, without escaping', () => {
    expect(shorten('a<b>c', 10)).toBe('a<b>c');
    expect(shorten('abcdef', 4)).toBe(`abc${ELLIPSIS}`);
  });

  it('turns line breaks and control characters into spaces', () => {
    expect(singleLine('Ann\r\nBcc: evil@example.com\u2028x\ty\u0000')).toBe('Ann Bcc: evil@example.com x y');
  });
});
