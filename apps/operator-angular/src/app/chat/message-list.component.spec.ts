import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { RequestError } from '../core/request-error';
import { FakeConnection, FakeGraphql, flush, givenMessage, givenSession } from '../testing/fakes';
import { ChatSessionStore } from './chat-session.store';
import { MessageListComponent } from './message-list.component';

@Component({
  imports: [MessageListComponent],
  template: `<div style="height: 300px; display: flex"><parley-message-list [chat]="chat()" operatorName="Olga" /></div>`,
})
class HostComponent {
  readonly chat = signal<ChatSessionStore>(null!);
}

describe('MessageListComponent', () => {
  let graphql: FakeGraphql;
  let chat: ChatSessionStore;

  type Message = ReturnType<typeof givenMessage>;

  async function render(latest: Message[], older: (beforeSeq: number) => Message[] = () => []) {
    const session = givenSession({ status: 'ACTIVE', visitor: { ...givenSession().visitor, name: '<b>Eve</b>' } });
    graphql = new FakeGraphql().on('ChatSessionHistory', (v) => {
      const beforeSeq = v['beforeSeq'] as number;
      return { session: { ...session, messages: beforeSeq <= latest[0].seq ? older(beforeSeq) : latest } };
    });
    chat = new ChatSessionStore({ graphql, connection: new FakeConnection(), operator: { id: 'op', name: 'Olga' } }, session.id, session, true);
    await chat.start();
    const fixture = TestBed.createComponent(HostComponent);
    fixture.componentInstance.chat.set(chat);
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  beforeEach(() => localStorage.clear());
  afterEach(() => chat.destroy());

  it('shows messages grouped by sender with a time, and system lines apart', async () => {
    const { root } = await render([
      givenMessage(1, { content: 'Hi' }),
      givenMessage(2, { content: 'Anyone?' }),
      givenMessage(3, { senderRole: 'SYSTEM', content: 'Olga joined the chat' }),
      givenMessage(4, { senderRole: 'OPERATOR', senderName: 'Olga', content: 'Hello!' }),
    ]);
    const groups = [...root.querySelectorAll('.group')];
    expect(groups.map((g) => g.querySelector('.sender')?.textContent?.trim())).toEqual(['<b>Eve</b>', 'Olga']);
    expect(groups[0].querySelectorAll('[data-testid=message]')).toHaveLength(2);
    expect(groups[0].querySelector('time')?.textContent?.trim()).toMatch(/\d/);
    expect(root.querySelector('[data-testid=system-line]')?.textContent).toContain('Olga joined the chat');
    expect(groups[1].querySelector('[data-testid=message-sent]')).not.toBeNull();
  });

  it('renders visitor-supplied markup as text, and links only http(s) URLs', async () => {
    const { root } = await render([givenMessage(1, { content: '<img src=x onerror="window.hacked=1"> see https://ok.example/a and javascript:alert(1)' })]);
    const bubble = root.querySelector('[data-testid=message]')!;
    expect(bubble.querySelector('img')).toBeNull();
    expect(bubble.textContent).toContain('<img src=x onerror="window.hacked=1">');
    const links = [...bubble.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://ok.example/a']);
    expect(links[0].getAttribute('rel')).toContain('noopener');
    expect(root.querySelector('.sender')?.querySelector('b')).toBeNull();
  });

  it('shows a failed message with Retry, which sends it again', async () => {
    const { fixture, root } = await render([givenMessage(1)]);
    graphql.on('SendMessage', () => {
      throw new RequestError('Failed to fetch', undefined, true);
    });
    chat.send('please work');
    await flush();
    await fixture.whenStable();
    const failed = root.querySelector('[data-testid=message-outgoing]')!;
    expect(failed.getAttribute('data-state')).toBe('failed');
    expect(failed.textContent).toContain('Not sent');
    // No answer may pass: it will be sent again by itself, and says so; Retry tries now.
    expect(failed.getAttribute('data-auto-retry')).toBe('true');
    expect(failed.querySelector('[data-testid=message-retrying]')?.textContent).toContain('retrying…');
    graphql.on('SendMessage', ({ input }) => ({ sendMessage: givenMessage(2, { senderRole: 'OPERATOR', senderName: 'Olga', content: 'please work', clientMessageId: (input as { clientMessageId: string }).clientMessageId }) }));
    failed.querySelector<HTMLButtonElement>('[data-testid=message-retry]')!.click();
    await flush();
    await fixture.whenStable();
    expect(root.querySelector('[data-testid=message-outgoing]')).toBeNull();
    expect(root.querySelector('[data-seq="2"]')?.textContent).toContain('please work');
  });

  it('shows a sending message at once', async () => {
    const { fixture, root } = await render([givenMessage(1)]);
    graphql.on('SendMessage', () => new Promise(() => undefined));
    chat.send('on its way');
    await fixture.whenStable();
    expect(root.querySelector('[data-testid=message-sending]')).not.toBeNull();
  });

  it('loads older pages while the view is not full or scrolled to the top, until the start of the conversation', async () => {
    const { fixture, root } = await render([givenMessage(5), givenMessage(6)], (beforeSeq) => [beforeSeq - 2, beforeSeq - 1].filter((n) => n >= 1).map((n) => givenMessage(n)));
    for (let i = 0; i < 5; i++) {
      await flush();
      await fixture.whenStable();
    }
    expect(graphql.callsOf('ChatSessionHistory').slice(1).map((v) => v['beforeSeq'])).toEqual([5, 3]);
    expect([...root.querySelectorAll('[data-testid=message]')].map((m) => m.getAttribute('data-seq'))).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(root.textContent).toContain('Start of the conversation');
  });
});
