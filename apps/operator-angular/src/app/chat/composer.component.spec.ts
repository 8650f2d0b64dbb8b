import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeConnection, FakeGraphql, givenSession } from '../testing/fakes';
import { ChatSessionStore } from './chat-session.store';
import { ComposerComponent } from './composer.component';

@Component({ imports: [ComposerComponent], template: `<parley-composer [chat]="chat()" />` })
class HostComponent {
  readonly chat = signal<ChatSessionStore>(null!);
}

describe('ComposerComponent', () => {
  let chat: ChatSessionStore;
  let send: jest.SpyInstance;

  async function render() {
    const session = givenSession({ status: 'ACTIVE' });
    const graphql = new FakeGraphql().on('SetTyping', () => ({ setTyping: true })).on('SendMessage', () => new Promise(() => undefined));
    chat = new ChatSessionStore({ graphql, connection: new FakeConnection(), operator: { id: 'op', name: 'Olga' } }, session.id, session, true);
    send = jest.spyOn(chat, 'send');
    const fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.chat.set(chat);
    await fixture.whenStable();
    const textarea = (fixture.nativeElement as HTMLElement).querySelector<HTMLTextAreaElement>('[data-testid=composer-input]')!;
    const type = (text: string) => {
      textarea.value = text;
      textarea.dispatchEvent(new Event('input'));
    };
    const key = (init: KeyboardEventInit) => {
      const event = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true, ...init });
      textarea.dispatchEvent(event);
      return event;
    };
    return { fixture, textarea, type, key };
  }

  beforeEach(() => localStorage.clear());
  afterEach(() => chat.destroy());

  it('sends on Enter and empties the box', async () => {
    const { textarea, type, key, fixture } = await render();
    type('Hello!');
    const event = key({});
    await fixture.whenStable();
    expect(event.defaultPrevented).toBe(true);
    expect(send).toHaveBeenCalledWith('Hello!');
    expect(chat.outgoing()[0]?.content).toBe('Hello!');
    expect(textarea.value).toBe('');
  });

  it('keeps Shift+Enter as a new line', async () => {
    const { type, key } = await render();
    type('line one');
    const event = key({ shiftKey: true });
    expect(event.defaultPrevented).toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  it('does not send while an input method is composing', async () => {
    const { type, key } = await render();
    type('かな');
    key({ isComposing: true });
    expect(send).not.toHaveBeenCalled();
  });

  it('says why an empty message was not sent', async () => {
    const { key, fixture } = await render();
    key({});
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=composer-refusal]')?.textContent).toContain('Write something first');
  });

  it('keeps the draft in the chat store (it survives switching chats)', async () => {
    const { type } = await render();
    type('half a thought');
    expect(chat.draft()).toBe('half a thought');
  });
});
