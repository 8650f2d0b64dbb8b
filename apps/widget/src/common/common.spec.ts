import { graphqlWsUrl, readConfig } from './config';
import { pickLocale } from './locale';
import { identityKey, signedIdentity, VisitorStore } from './visitor-store';

describe('pickLocale', () => {
  it('prefers data-locale, then the page language, then the browser language', () => {
    expect(pickLocale('ru', 'en', 'en-US')).toBe('ru');
    expect(pickLocale(undefined, 'ru-RU', 'en-US')).toBe('ru');
    expect(pickLocale('', '', 'ru')).toBe('ru');
    expect(pickLocale(undefined, 'de', 'ru')).toBe('en');
    expect(pickLocale(undefined, undefined, undefined)).toBe('en');
    expect(pickLocale('rus', undefined, undefined)).toBe('en');
  });
});

describe('readConfig', () => {
  function script(attrs: Record<string, string>): HTMLScriptElement {
    const s = document.createElement('script');
    for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
    return s;
  }

  it('reads data-parley-url, data-locale and data-prechat', () => {
    expect(readConfig(script({ src: 'https://cdn.example.test/widget.js', 'data-parley-url': 'https://chat.example.test/', 'data-locale': 'ru', 'data-prechat': 'off' }))).toEqual({
      baseUrl: 'https://chat.example.test',
      locale: 'ru',
      prechat: 'off',
    });
  });

  it('falls back to the origin the script came from, the page language and optional pre-chat', () => {
    document.documentElement.lang = 'ru';
    try {
      expect(readConfig(script({ src: 'https://chat.example.test:8443/widget.js' }))).toEqual({ baseUrl: 'https://chat.example.test:8443', locale: 'ru', prechat: 'optional' });
    } finally {
      document.documentElement.lang = '';
    }
  });

  it('turns the base URL into the GraphQL WebSocket URL', () => {
    expect(graphqlWsUrl('https://chat.example.test')).toBe('wss://chat.example.test/graphql');
    expect(graphqlWsUrl('http://127.0.0.1:4000')).toBe('ws://127.0.0.1:4000/graphql');
  });
});

describe('identityKey', () => {
  it('keys on the e-mail (case-insensitive), else the name, else nothing', () => {
    expect(identityKey({ name: 'A', email: ' Alice@Example.com ' })).toBe('e:alice@example.com');
    expect(identityKey({ name: ' Bob ' })).toBe('n:Bob');
    expect(identityKey({})).toBeNull();
    expect(identityKey(null)).toBeNull();
  });

  it('keys a signed identity on its userId, so a signed user and an unsigned visitor with the same e-mail differ', () => {
    const signed = { userId: 'user-42', email: 'alice@example.com', name: 'Alice', issuedAt: 1_790_000_000, signature: 'a'.repeat(64) };
    expect(identityKey(signed)).toBe('u:user-42');
    expect(identityKey({ ...signed, issuedAt: 1_790_000_100, signature: 'b'.repeat(64) })).toBe('u:user-42');
    expect(identityKey({ email: 'alice@example.com', name: 'Alice' })).not.toBe(identityKey(signed));
  });
});

describe('signedIdentity', () => {
  it('passes the signed fields through exactly as given (a trimmed e-mail or name would not verify)', () => {
    const identity = { userId: 'user-42', email: ' Alice@Example.com', name: 'Alice  ', issuedAt: 1_790_000_000, signature: 'c'.repeat(64) };
    expect(signedIdentity(identity)).toEqual(identity);
    expect(signedIdentity({ userId: 'u', issuedAt: 1, signature: 'd'.repeat(64) })).toEqual({ userId: 'u', email: undefined, name: undefined, issuedAt: 1, signature: 'd'.repeat(64) });
  });

  it('is null without a userId', () => {
    expect(signedIdentity({ name: 'Alice', email: 'alice@example.com' })).toBeNull();
    expect(signedIdentity({ userId: '', issuedAt: 1, signature: 'e'.repeat(64) })).toBeNull();
    expect(signedIdentity(null)).toBeNull();
  });
});

describe('VisitorStore', () => {
  beforeEach(() => localStorage.clear());

  it('keeps one JSON object per Parley server and removes undefined fields', () => {
    const a = new VisitorStore('https://a.test', localStorage);
    const b = new VisitorStore('https://b.test', localStorage);
    a.update({ token: 't', draft: 'x' });
    a.update({ draft: undefined });
    expect(a.read()).toEqual({ token: 't' });
    expect(b.read()).toEqual({});
    expect(JSON.parse(localStorage.getItem('parley:https://a.test')!)).toEqual({ token: 't' });
    a.clear();
    expect(a.read()).toEqual({});
  });

  it('works in memory when storage is unavailable or refuses writes', () => {
    const memory = new VisitorStore('https://a.test', null);
    memory.update({ token: 't' });
    expect(memory.read()).toEqual({ token: 't' });
    const refusing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
      removeItem: () => undefined,
    } as unknown as Storage;
    const store = new VisitorStore('https://a.test', refusing);
    store.update({ token: 't' });
    expect(store.read()).toEqual({ token: 't' });
  });
});
