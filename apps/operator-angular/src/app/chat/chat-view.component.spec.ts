import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { AuthService } from '../core/auth.service';
import { RequestError } from '../core/request-error';
import { FakeConnection, FakeGraphql, flush, givenMessage, givenSession } from '../testing/fakes';
import { ChatSessionStore } from './chat-session.store';
import { ChatViewComponent } from './chat-view.component';

@Component({ imports: [ChatViewComponent], template: `<parley-chat-view [chat]="chat()" [interactive]="interactive()" />` })
class HostComponent {
  readonly chat = signal<ChatSessionStore>(null!);
  readonly interactive = signal(true);
}

describe('ChatViewComponent', () => {
  let graphql: FakeGraphql;
  let chat: ChatSessionStore;
  let open: jest.Mock;

  /** `read`: what ChatSessionHistory answers beside (or over) an ACTIVE session's fields. */
  async function render(interactive = true, visitorPresence?: string, read: Record<string, unknown> = {}) {
    const session = givenSession({ status: 'ACTIVE', visitor: { ...givenSession().visitor, name: 'Ada', email: 'ada@example.com', pageUrl: 'https://shop.example/cart' } });
    graphql = new FakeGraphql().on('ChatSessionHistory', () => ({ session: { ...session, visitorPresence, messages: [givenMessage(1)], ...read } }));
    chat = new ChatSessionStore({ graphql, connection: new FakeConnection(), operator: { id: 'op', name: 'Olga' } }, session.id, session, true);
    await chat.start();
    open = jest.fn();
    TestBed.configureTestingModule({ providers: [{ provide: MatDialog, useValue: { open } }] });
    TestBed.inject(AuthService).start({ accessToken: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'op', name: 'Olga', email: null, presence: 'ONLINE' } });
    const fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.chat.set(chat);
    fixture.componentInstance.interactive.set(interactive);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const push = async (event: unknown) => {
      graphql.open('SessionEvents')[0].results.next({ data: { sessionEvents: event } });
      await fixture.whenStable();
    };
    return { fixture, root, push };
  }

  beforeEach(() => localStorage.clear());
  afterEach(() => chat.destroy());

  it('shows who the visitor is', async () => {
    const { root } = await render();
    expect(root.querySelector('[data-testid=chat-visitor-name]')?.textContent?.trim()).toBe('Ada');
    expect(root.querySelector('[data-testid=visitor-email]')?.textContent?.trim()).toBe('ada@example.com');
    expect(root.querySelector('[data-testid=visitor-page] a')?.getAttribute('href')).toBe('https://shop.example/cart');
  });

  it("shows the visitor's presence read with the chat, then online / offline as events report it", async () => {
    const { root, push } = await render(true, 'ONLINE');
    const presence = () => root.querySelector('[data-testid=visitor-presence]');
    expect(presence()?.textContent?.trim()).toBe('Online');
    expect(presence()?.getAttribute('data-presence')).toBe('ONLINE');
    await push({ __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'VISITOR', presence: 'OFFLINE' });
    expect(presence()?.textContent?.trim()).toBe('Offline');
    expect(presence()?.getAttribute('data-presence')).toBe('OFFLINE');
    await push({ __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'VISITOR', presence: 'ONLINE' });
    expect(presence()?.textContent?.trim()).toBe('Online');
  });

  it("shows the visitor's presence as unknown while not read yet, and not at all once the chat is closed", async () => {
    const { root, push } = await render();
    const presence = () => root.querySelector('[data-testid=visitor-presence]');
    expect(presence()?.textContent?.trim()).toBe('Unknown');
    await push({ __typename: 'SessionClosed', sessionId: chat.id, closedAt: new Date().toISOString(), closedBy: 'VISITOR', resolution: null });
    expect(presence()).toBeNull();
  });

  it("shows the visitor's typing indicator", async () => {
    const { root, push } = await render();
    expect(root.querySelector('[data-testid=visitor-typing]')).toBeNull();
    await push({ __typename: 'TypingChanged', sessionId: chat.id, senderRole: 'VISITOR', isTyping: true });
    expect(root.querySelector('[data-testid=visitor-typing]')?.textContent).toContain('Ada is typing');
    await push({ __typename: 'TypingChanged', sessionId: chat.id, senderRole: 'VISITOR', isTyping: false });
    expect(root.querySelector('[data-testid=visitor-typing]')).toBeNull();
  });

  it('marks messages read while the chat is on screen', async () => {
    const { push } = await render();
    expect(chat.unread()).toBe(0);
    await push({ __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(2) });
    await flush();
    expect(chat.unread()).toBe(0);
  });

  it('opens the close dialog from "Close chat"', async () => {
    const { root, fixture } = await render();
    root.querySelector<HTMLButtonElement>('[data-testid=close-chat]')!.click();
    await flush();
    await fixture.whenStable();
    expect(open).toHaveBeenCalled();
  });

  it('shows a closed chat without composer, with the resolution', async () => {
    const { root, push } = await render();
    await push({ __typename: 'SessionClosed', sessionId: chat.id, closedAt: new Date().toISOString(), closedBy: 'VISITOR', resolution: null });
    expect(root.querySelector('[data-testid=composer-input]')).toBeNull();
    expect(root.querySelector('[data-testid=chat-closed]')?.textContent).toContain('The visitor closed this chat');
    expect(root.querySelector('[data-testid=dismiss-chat]')).not.toBeNull();
  });

  describe("the visitor's rating of a closed chat", () => {
    const closed = { status: 'CLOSED', closedAt: new Date().toISOString(), resolution: 'Refunded' };

    it('is shown with its comment, as text', async () => {
      const { root } = await render(false, undefined, { ...closed, rating: { score: 4, comment: 'Quick <b>help</b>' } });
      expect(root.querySelector('[data-testid=chat-rating]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Rated 4 of 5 by the visitor: “Quick <b>help</b>”');
      expect(root.querySelector('[data-testid=chat-rating-comment] b')).toBeNull();
    });

    it('is not shown when the visitor has not rated', async () => {
      const { root } = await render(false, undefined, { ...closed, rating: null });
      expect(root.querySelector('[data-testid=chat-closed]')).not.toBeNull();
      expect(root.querySelector('[data-testid=chat-rating]')).toBeNull();
    });
  });

  it('shows a transcript read-only', async () => {
    const { root } = await render(false);
    expect(root.querySelector('[data-testid=composer-input]')).toBeNull();
    expect(root.querySelector('[data-testid=close-chat]')).toBeNull();
  });

  it('says, politely, that the chat may be out of date while its live stream is retried, until the next event', async () => {
    const { root, fixture, push } = await render();
    const notice = () => root.querySelector('[data-testid=stale-notice]');
    expect(notice()).toBeNull();
    graphql.open('SessionEvents')[0].results.error(new RequestError('Redis is unreachable', 'SERVICE_UNAVAILABLE', false));
    await fixture.whenStable();
    expect(notice()?.textContent).toContain('Reconnecting to this chat… It may be out of date');
    expect(notice()?.closest('[role=status]')?.getAttribute('aria-live')).toBe('polite');
    expect(root.querySelector('[role=alert]')).toBeNull(); // not an error: no "Live updates stopped"
    await new Promise((resolve) => setTimeout(resolve, 50)); // past FakeConnection's 10 ms backoff: subscribed again
    await push({ __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(2) });
    expect(notice()).toBeNull();
    expect(root.textContent).toContain('message 2');
  });
});
