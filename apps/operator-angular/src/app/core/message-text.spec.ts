import { linkify, safeHttpUrl } from './message-text';

describe('safeHttpUrl', () => {
  it.each(['https://shop.example/a?b=1', 'http://example.com'])('accepts %s', (url) => {
    expect(safeHttpUrl(url)).toBe(new URL(url).href);
  });

  it.each(['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '/relative', 'not a url', '', null])('refuses %s', (url) => {
    expect(safeHttpUrl(url)).toBeNull();
  });
});

describe('linkify', () => {
  it('makes links of http(s) URLs only and leaves trailing punctuation as text', () => {
    expect(linkify('See https://example.com/docs. Or javascript:alert(1)')).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/docs', href: 'https://example.com/docs' },
      { text: '. Or javascript:alert(1)' },
    ]);
  });

  it('keeps markup as plain text', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }]);
  });

  it('does not swallow quotes or angle brackets into a link', () => {
    const segments = linkify('"https://a.example/x"<b>');
    expect(segments.find((s) => s.href)?.href).toBe('https://a.example/x');
  });
});
