import type { ChatPanel, MountChat, WidgetHost } from '../common/host';
import { VisitorStore } from '../common/visitor-store';
import { ParleyWidgetElement, WIDGET_TAG } from './widget-element';

const config = { baseUrl: 'https://chat.example.test', locale: 'en' as const, prechat: 'optional' as const };

function fakeChat() {
  const panel = { opened: jest.fn<void, []>(), closed: jest.fn<void, []>(), reset: jest.fn<void, []>(), destroy: jest.fn<void, []>() } satisfies ChatPanel;
  let host!: WidgetHost;
  const mount: MountChat = (h) => {
    host = h;
    const input = document.createElement('textarea');
    h.panel.replaceChildren(input);
    panel.opened.mockImplementation(() => input.focus());
    return panel;
  };
  return { panel, mount, host: () => host };
}

function given(options: { loadChat?: jest.Mock; store?: VisitorStore } = {}) {
  const chat = fakeChat();
  const loadChat = options.loadChat ?? jest.fn(() => Promise.resolve(chat.mount));
  const element = new ParleyWidgetElement(config, loadChat, options.store);
  document.documentElement.appendChild(element);
  const root = element.shadowRoot!;
  return {
    element,
    chat,
    loadChat,
    root,
    launcher: root.querySelector<HTMLButtonElement>('button.launcher')!,
    badge: root.querySelector<HTMLSpanElement>('.badge')!,
    panel: root.querySelector<HTMLDivElement>('.panel')!,
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeAll(() => customElements.define(WIDGET_TAG, ParleyWidgetElement));
beforeEach(() => {
  localStorage.clear();
  document.querySelectorAll(WIDGET_TAG).forEach((e) => e.remove());
});

describe('<parley-widget> launcher', () => {
  it('shows only a labelled launcher button and loads nothing until opened', () => {
    const w = given();
    expect(w.root.mode).toBe('open');
    expect(w.launcher.getAttribute('aria-label')).toBe('Open chat');
    expect(w.launcher.getAttribute('aria-expanded')).toBe('false');
    expect(w.launcher.getAttribute('aria-controls')).toBe('parley-panel');
    expect(w.panel.hidden).toBe(true);
    expect(w.badge.hidden).toBe(true);
    expect(w.loadChat).not.toHaveBeenCalled();
  });

  it('loads the chat panel on first open, once, and toggles it', async () => {
    const w = given();
    const events: string[] = [];
    w.element.on('open', () => events.push('open'));
    w.element.on('close', () => events.push('close'));
    w.launcher.click();
    expect(w.panel.hidden).toBe(false);
    expect(w.launcher.getAttribute('aria-expanded')).toBe('true');
    expect(w.launcher.getAttribute('aria-label')).toBe('Close chat');
    expect(w.panel.textContent).toBe('Loading the chat…');
    await flush();
    expect(w.chat.panel.opened).toHaveBeenCalledTimes(1);
    expect(w.root.activeElement).toBe(w.panel.querySelector('textarea'));
    w.launcher.click();
    expect(w.panel.hidden).toBe(true);
    expect(w.chat.panel.closed).toHaveBeenCalled();
    w.element.open();
    await flush();
    expect(w.loadChat).toHaveBeenCalledTimes(1);
    expect(events).toEqual(['open', 'close', 'open']);
  });

  it('closes on Escape and gives focus back to the launcher', async () => {
    const w = given();
    w.element.open();
    await flush();
    w.panel.querySelector('textarea')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    expect(w.panel.hidden).toBe(true);
    expect(w.root.activeElement).toBe(w.launcher);
  });

  it('loads the chat at page load when the visitor has an open chat session (for the unread badge)', () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    store.update({ token: 't', sessionId: 's', sessionOpen: true });
    expect(given({ store }).loadChat).toHaveBeenCalledTimes(1);
  });

  it('shows the unread count on the closed launcher only', async () => {
    const w = given();
    w.element.open();
    await flush();
    w.element.close();
    w.chat.host().setUnread(3);
    expect(w.badge.hidden).toBe(false);
    expect(w.badge.textContent).toBe('3');
    expect(w.launcher.getAttribute('aria-label')).toBe('Open chat, 3 unread messages');
    w.element.open();
    expect(w.badge.hidden).toBe(true);
  });

  it('says so when the chat cannot be loaded, and tries again on the next open', async () => {
    const loadChat = jest.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce(fakeChat().mount);
    const w = given({ loadChat });
    w.element.open();
    await flush();
    expect(w.panel.textContent).toBe('The chat could not be loaded. Check your connection and try again.');
    w.element.close();
    w.element.open();
    await flush();
    expect(loadChat).toHaveBeenCalledTimes(2);
  });

  it('keeps working when a host page listener throws', () => {
    const w = given();
    const later = jest.fn();
    w.element.on('open', () => {
      throw new Error('host bug');
    });
    w.element.on('open', later);
    jest.useFakeTimers();
    try {
      w.element.open();
      expect(() => jest.runOnlyPendingTimers()).toThrow('host bug'); // reported, not swallowed
    } finally {
      jest.useRealTimers();
    }
    expect(later).toHaveBeenCalled();
    expect(w.panel.hidden).toBe(false);
  });

  it('on() returns a function that stops listening', () => {
    const w = given();
    const listener = jest.fn();
    const off = w.element.on('open', listener);
    off();
    w.element.open();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('identify', () => {
  it('starts clean when a different person was chatting in this browser', async () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    store.update({ token: 'alice-token', identity: 'e:alice@example.com', sessionId: 's1', sessionOpen: true });
    const w = given({ store });
    await flush();
    w.element.identify({ name: 'Bob', email: 'Bob@Example.com' });
    expect(store.read()).toEqual({});
    expect(w.chat.panel.reset).toHaveBeenCalledTimes(1);
    expect(w.chat.host().identity()).toEqual({ name: 'Bob', email: 'Bob@Example.com' });
  });

  it('keeps the chat for the same person (e-mail compared case-insensitively)', async () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    store.update({ token: 'alice-token', identity: 'e:alice@example.com', sessionId: 's1', sessionOpen: true });
    const w = given({ store });
    await flush();
    w.element.identify({ name: 'Alice M.', email: ' ALICE@example.com ' });
    expect(store.read().token).toBe('alice-token');
    expect(w.chat.panel.reset).not.toHaveBeenCalled();
  });

  const signedAlice = { userId: 'user-42', email: 'Alice@Example.com ', name: ' Alice', issuedAt: 1_790_000_000, signature: 'a'.repeat(64) };

  it('keeps a signed identity exactly as given (its signature covers the e-mail and name)', () => {
    const w = given();
    w.element.identify({ ...signedAlice });
    w.element.open();
    return flush().then(() => expect(w.chat.host().identity()).toEqual(signedAlice));
  });

  it('keeps the chat for the same signed user with a fresh signature', async () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    store.update({ token: 'alice-token', identity: 'u:user-42', sessionId: 's1', sessionOpen: true });
    const w = given({ store });
    await flush();
    w.element.identify({ ...signedAlice, issuedAt: signedAlice.issuedAt + 300, signature: 'b'.repeat(64) });
    expect(store.read().token).toBe('alice-token');
    expect(w.chat.panel.reset).not.toHaveBeenCalled();
    expect(w.chat.host().identity()?.signature).toBe('b'.repeat(64));
  });

  it('never hands a signed user’s chat to an unsigned visitor with the same e-mail, nor the reverse', async () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    store.update({ token: 'alice-token', identity: 'u:user-42', sessionId: 's1', sessionOpen: true });
    const w = given({ store });
    await flush();
    w.element.identify({ name: 'Alice', email: 'alice@example.com' });
    expect(store.read()).toEqual({});
    expect(w.chat.panel.reset).toHaveBeenCalledTimes(1);
    store.update({ token: 'guest-token', identity: 'e:alice@example.com' });
    w.element.identify(signedAlice);
    expect(store.read().token).toBeUndefined();
    expect(w.chat.panel.reset).toHaveBeenCalledTimes(2);
  });

  it('keeps an unsent message of the signed user when the page signs them again (the first signature was refused)', () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    const w = given({ store });
    w.element.identify(signedAlice);
    store.update({ outbox: [{ clientMessageId: 'c-1', content: 'Let me in', createdAt: 1 }] });
    w.element.identify({ ...signedAlice, issuedAt: signedAlice.issuedAt + 60, signature: 'c'.repeat(64) });
    expect(store.read().outbox).toHaveLength(1);
    w.element.identify({ ...signedAlice, userId: 'user-43' });
    expect(store.read()).toEqual({});
  });

  it('after a reload, keeps the unsent messages of the person the page identifies again (no token yet), and drops them for another', () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    // What the chat panel stored before the reload: createVisitor refused, the messages wait for this person.
    store.update({ identity: 'e:ops@intranet', profile: { name: 'Ops' }, outbox: [{ clientMessageId: 'c-1', content: 'Help', createdAt: 1 }] });
    const w = given({ store });
    w.element.identify({ name: 'Ops', email: 'OPS@intranet' });
    expect(store.read().outbox).toHaveLength(1);
    w.element.identify({ email: 'someone@example.com' });
    expect(store.read()).toEqual({});
  });

  it('restarts an open panel that has nothing stored yet when the person changes (e.g. signed in after opening)', async () => {
    const w = given();
    w.element.open();
    await flush();
    w.element.identify(signedAlice);
    expect(w.chat.panel.reset).toHaveBeenCalledTimes(1);
    w.element.identify({ ...signedAlice, signature: 'f'.repeat(64) });
    expect(w.chat.panel.reset).toHaveBeenCalledTimes(1);
  });

  it('does not hand an anonymous visitor’s chat to an identified one, nor the reverse on sign-out', () => {
    const store = new VisitorStore(config.baseUrl, localStorage);
    store.update({ token: 'anonymous-token', identity: null });
    const w = given({ store });
    w.element.identify({ email: 'carol@example.com' });
    expect(store.read().token).toBeUndefined();
    store.update({ token: 'carol-token', identity: 'e:carol@example.com' });
    w.element.identify(null);
    expect(store.read().token).toBeUndefined();
    expect(w.chat.host).toBeDefined();
  });
});
