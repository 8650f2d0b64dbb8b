import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { GraphqlService } from '../core/graphql.service';
import { FakeConnection, FakeGraphql, flush, givenSession } from '../testing/fakes';
import { ActiveChatsStore } from './active-chats.store';
import { ChatListComponent } from './chat-list.component';

describe('ChatListComponent', () => {
  it("keeps the closed badge apart from the visitor's name in the text, not only on screen", async () => {
    localStorage.clear();
    const session = givenSession({ status: 'CLOSED', visitor: { ...givenSession().visitor, name: 'Bea <b>bold</b>' } });
    const graphql = new FakeGraphql().on('ChatSessionHistory', () => ({ session: { ...session, messages: [] } }));
    TestBed.configureTestingModule({
      providers: [provideRouter([]), ActiveChatsStore, { provide: GraphqlService, useValue: graphql }, { provide: ConnectionService, useValue: new FakeConnection() }],
    });
    TestBed.inject(AuthService).start({ accessToken: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'op-1', name: 'Olga', email: null, presence: 'ONLINE' } });
    TestBed.inject(ActiveChatsStore).add(session);
    const fixture = TestBed.createComponent(ChatListComponent);
    await flush();
    await fixture.whenStable();
    const item = (fixture.nativeElement as HTMLElement).querySelector('[data-testid=chat-list-item]')!;
    expect(item.querySelector('[data-testid=chat-closed-badge]')).not.toBeNull();
    expect(item.textContent?.replace(/\s+/g, ' ')).toContain('Bea <b>bold</b> closed');
    TestBed.inject(ActiveChatsStore).remove(session.id);
  });
});
