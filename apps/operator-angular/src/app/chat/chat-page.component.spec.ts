import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter } from '@angular/router';
import type { ChatSessionFieldsFragment } from '@parley/graphql';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { GraphqlService } from '../core/graphql.service';
import { QueueStore } from '../queue/queue.store';
import { FakeConnection, FakeGraphql, flush, givenSession } from '../testing/fakes';
import { ActiveChatsStore } from './active-chats.store';
import { ChatPageComponent } from './chat-page.component';

describe('ChatPageComponent: a WAITING chat reached by its link', () => {
  let graphql: FakeGraphql;
  let session: ChatSessionFieldsFragment;
  let accept: jest.Mock;
  let snack: jest.Mock;
  const accepting = signal<ReadonlySet<string>>(new Set());

  async function render(status: ChatSessionFieldsFragment['status'] = 'WAITING') {
    localStorage.clear();
    session = givenSession({ status, visitor: { ...givenSession().visitor, name: 'Ada' } });
    graphql = new FakeGraphql().on('ChatSessionHistory', () => ({ session: { ...session, messages: [] } }));
    accept = jest.fn();
    snack = jest.fn();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        ActiveChatsStore,
        { provide: GraphqlService, useValue: graphql },
        { provide: ConnectionService, useValue: new FakeConnection() },
        { provide: QueueStore, useValue: { accept, accepting } },
        { provide: MatSnackBar, useValue: { open: snack } },
      ],
    });
    TestBed.inject(AuthService).start({ accessToken: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'op-1', name: 'Olga', email: null, presence: 'ONLINE' } });
    const fixture = TestBed.createComponent(ChatPageComponent);
    fixture.componentRef.setInput('sessionId', session.id);
    await fixture.whenStable();
    await flush();
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const button = () => root.querySelector<HTMLButtonElement>('[data-testid=chat-accept]');
    return { fixture, root, button };
  }

  it('offers Accept, which accepts through the queue (the same accept and race handling)', async () => {
    const { fixture, root, button } = await render();
    expect(root.querySelector('[data-testid=chat-visitor-name]')?.textContent?.trim()).toBe('Ada');
    expect(button()?.textContent?.trim()).toBe('Accept');
    expect(root.querySelector('[data-testid=close-chat]')).toBeNull();
    accept.mockImplementation(() => new Promise(() => undefined));
    button()!.click();
    expect(accept).toHaveBeenCalledWith(expect.objectContaining({ id: session.id, status: 'WAITING' }));
    accepting.set(new Set([session.id]));
    await fixture.whenStable();
    expect(button()?.disabled).toBe(true);
    expect(button()?.textContent?.trim()).toBe('Accepting…');
    accepting.set(new Set());
  });

  it('another operator was faster: says so, and reads the chat again (no Accept once it is active)', async () => {
    const { fixture, button } = await render();
    accept.mockResolvedValue({ kind: 'taken', visitor: 'Ada' });
    const reads = graphql.callsOf('ChatSessionHistory').length;
    session = { ...session, status: 'ACTIVE', operator: { id: 'op-2', name: 'Pavel' } };
    button()!.click();
    await flush();
    await fixture.whenStable();
    expect(snack).toHaveBeenCalledWith('Another operator already accepted the chat with Ada.', 'OK', expect.anything());
    expect(graphql.callsOf('ChatSessionHistory').length).toBe(reads + 1);
    expect(button()).toBeNull();
  });

  it('no Accept for a chat that is not waiting (a closed one is a transcript)', async () => {
    const { root, button } = await render('CLOSED');
    expect(root.querySelector('[data-testid=chat-closed]')).not.toBeNull();
    expect(button()).toBeNull();
  });
});
