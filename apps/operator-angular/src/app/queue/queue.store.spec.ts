import { TestBed } from '@angular/core/testing';
import type { ChatSessionFieldsFragment } from '@parley/graphql';
import { ActiveChatsStore } from '../chat/active-chats.store';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { GraphqlService } from '../core/graphql.service';
import { NotifierService } from '../core/notifier.service';
import { RequestError } from '../core/request-error';
import { FakeConnection, FakeGraphql, flush, givenSession } from '../testing/fakes';
import { QueueStore } from './queue.store';

describe('QueueStore', () => {
  let graphql: FakeGraphql;
  let connection: FakeConnection;
  let notifier: { newChat: jest.Mock };
  let store: QueueStore;
  let waiting: ChatSessionFieldsFragment[];

  beforeEach(() => {
    localStorage.clear();
    graphql = new FakeGraphql();
    connection = new FakeConnection();
    notifier = { newChat: jest.fn() };
    waiting = [givenSession({ visitor: { ...givenSession().visitor, name: 'Ada' } })];
    graphql.on('WaitingSessions', () => ({ waitingSessions: waiting }));
    graphql.on('ChatSessionHistory', () => new Promise(() => undefined));
    TestBed.configureTestingModule({
      providers: [
        QueueStore,
        ActiveChatsStore,
        { provide: GraphqlService, useValue: graphql },
        { provide: ConnectionService, useValue: connection },
        { provide: NotifierService, useValue: notifier },
        { provide: AuthService, useValue: { operator: () => ({ id: 'op-1', name: 'Olga', email: null, presence: 'ONLINE' }) } },
      ],
    });
    store = TestBed.inject(QueueStore);
  });

  function pushSnapshot(sessions: ChatSessionFieldsFragment[]) {
    graphql.open('QueueUpdated')[0].results.next({ data: { queueUpdated: { count: sessions.length, sessions } } });
  }

  it('reads the queue and follows pushed snapshots', async () => {
    store.start();
    await flush();
    expect(store.sessions().map((s) => s.visitor.name)).toEqual(['Ada']);
    const next = [...waiting, givenSession()];
    pushSnapshot(next);
    expect(store.count()).toBe(2);
  });

  it('alerts for a chat that arrives after the first load, not for those already waiting', async () => {
    store.start();
    await flush();
    expect(notifier.newChat).not.toHaveBeenCalled();
    const newcomer = givenSession({ preview: 'Where is my order?' });
    pushSnapshot([...waiting, newcomer]);
    pushSnapshot([...waiting, newcomer]);
    expect(notifier.newChat).toHaveBeenCalledTimes(1);
    expect(notifier.newChat).toHaveBeenCalledWith('Ada', 'Where is my order?', newcomer.id);
  });

  it('ignores a slow first read when a pushed snapshot arrived meanwhile', async () => {
    let answer!: (v: unknown) => void;
    graphql.on('WaitingSessions', () => new Promise((resolve) => (answer = resolve)));
    store.start();
    pushSnapshot([]);
    answer({ waitingSessions: waiting });
    await flush();
    expect(store.count()).toBe(0);
  });

  it('reads the queue again after the connection comes back', async () => {
    jest.useFakeTimers();
    try {
      store.start();
      await flush();
      waiting = [...waiting, givenSession()];
      connection.lost$.next();
      jest.advanceTimersByTime(connection.delay);
      await flush();
      expect(graphql.callsOf('WaitingSessions')).toHaveLength(2);
      expect(store.count()).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('accepts a chat: it leaves the queue and joins my chats', async () => {
    store.start();
    await flush();
    const session = waiting[0];
    graphql.on('AcceptSession', () => ({ acceptSession: { ...session, status: 'ACTIVE' } }));
    const outcome = await store.accept(session);
    expect(outcome.kind).toBe('accepted');
    expect(store.count()).toBe(0);
    expect(TestBed.inject(ActiveChatsStore).get(session.id)).toBeDefined();
  });

  it('when another operator was faster: the chat leaves the queue and the outcome says "taken"', async () => {
    store.start();
    await flush();
    const session = waiting[0];
    graphql.on('AcceptSession', () => {
      throw new RequestError('Already accepted by another operator', 'SESSION_ALREADY_TAKEN', false);
    });
    const outcome = await store.accept(session);
    expect(outcome).toEqual({ kind: 'taken', visitor: 'Ada' });
    expect(store.count()).toBe(0);
    // A snapshot published before the race was decided must not bring it back.
    pushSnapshot(waiting);
    expect(store.count()).toBe(0);
    expect(TestBed.inject(ActiveChatsStore).get(session.id)).toBeUndefined();
  });

  it('keeps the chat in the queue when accepting fails for another reason', async () => {
    store.start();
    await flush();
    graphql.on('AcceptSession', () => {
      throw new RequestError('Failed to fetch', undefined, true);
    });
    const outcome = await store.accept(waiting[0]);
    expect(outcome.kind).toBe('failed');
    expect(store.count()).toBe(1);
  });
});

describe('QueueStore with the same operator in two tabs', () => {
  it('re-reads my chats when a chat leaves the queue without being accepted here', async () => {
    localStorage.clear();
    const graphql = new FakeGraphql();
    const session = givenSession();
    let mine: ChatSessionFieldsFragment[] = [];
    graphql.on('WaitingSessions', () => ({ waitingSessions: [session] }));
    graphql.on('Sessions', () => ({ sessions: { nodes: mine, pageInfo: { hasNextPage: false, endCursor: null } } }));
    graphql.on('ChatSessionHistory', () => new Promise(() => undefined));
    TestBed.configureTestingModule({
      providers: [
        QueueStore,
        ActiveChatsStore,
        { provide: GraphqlService, useValue: graphql },
        { provide: ConnectionService, useValue: new FakeConnection() },
        { provide: NotifierService, useValue: { newChat: jest.fn() } },
        { provide: AuthService, useValue: { operator: () => ({ id: 'op-1', name: 'Olga', email: null, presence: 'ONLINE' }) } },
      ],
    });
    const store = TestBed.inject(QueueStore);
    store.start();
    await flush();
    mine = [{ ...session, status: 'ACTIVE' }];
    graphql.open('QueueUpdated')[0].results.next({ data: { queueUpdated: { count: 0, sessions: [] } } });
    await flush();
    expect(TestBed.inject(ActiveChatsStore).get(session.id)).toBeDefined();
  });
});
