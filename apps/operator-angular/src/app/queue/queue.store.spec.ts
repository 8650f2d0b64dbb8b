import { TestBed } from '@angular/core/testing';
import type { ChatSessionFieldsFragment } from '@parley/graphql';
import { ActiveChatsStore } from '../chat/active-chats.store';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { GraphqlService } from '../core/graphql.service';
import { NotifierService } from '../core/notifier.service';
import { NO_CONNECTION, RequestError } from '../core/request-error';
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

  /** Starts the store and sends the subscription's first event: the queue as it is. */
  function start() {
    store.start();
    pushSnapshot(waiting);
  }

  it('takes the queue from the subscription, whose first event is the whole queue, and follows it', () => {
    store.start();
    expect(store.loaded()).toBe(false);
    pushSnapshot(waiting);
    expect(store.loaded()).toBe(true);
    expect(store.sessions().map((s) => s.visitor.name)).toEqual(['Ada']);
    const next = [...waiting, givenSession()];
    pushSnapshot(next);
    expect(store.count()).toBe(2);
    expect(graphql.calls).toEqual([]); // nothing read besides the subscription
  });

  it('alerts for a chat that arrives after the first snapshot, not for those already waiting', () => {
    start();
    expect(notifier.newChat).not.toHaveBeenCalled();
    const newcomer = givenSession({ preview: 'Where is my order?' });
    pushSnapshot([...waiting, newcomer]);
    pushSnapshot([...waiting, newcomer]);
    expect(notifier.newChat).toHaveBeenCalledTimes(1);
    expect(notifier.newChat).toHaveBeenCalledWith('Ada', 'Where is my order?', newcomer.id);
  });

  it('after the connection comes back, takes the queue from the new subscription and alerts for who joined meanwhile', () => {
    jest.useFakeTimers();
    try {
      start();
      connection.lost$.next();
      jest.advanceTimersByTime(connection.delay);
      expect(graphql.open('QueueUpdated')).toHaveLength(1); // subscribed again, the first one closed
      const meanwhile = givenSession({ preview: 'Joined while you were away' });
      pushSnapshot([...waiting, meanwhile]);
      expect(store.count()).toBe(2);
      expect(notifier.newChat).toHaveBeenCalledTimes(1);
      expect(notifier.newChat).toHaveBeenCalledWith('Ada', 'Joined while you were away', meanwhile.id);
      expect(graphql.calls).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('says why when the API refuses the subscription for good', () => {
    store.start();
    graphql.open('QueueUpdated')[0].results.error(new RequestError('Operators only', 'FORBIDDEN', false));
    expect(store.loadError()).toBe('Operators only');
    expect(store.loaded()).toBe(false);
  });

  it('while the subscription is retried after SERVICE_UNAVAILABLE: keeps the queue, says since when, no loadError; the next snapshot ends it', () => {
    jest.useFakeTimers();
    try {
      start();
      expect(store.retryingSince()).toBeNull();
      const failedAt = Date.now();
      graphql.open('QueueUpdated')[0].results.error(new RequestError('The waiting queue cannot be read right now', 'SERVICE_UNAVAILABLE', false));
      expect(store.retryingSince()).toBe(failedAt);
      expect(store.loadError()).toBeNull();
      expect(store.sessions().map((s) => s.visitor.name)).toEqual(['Ada']);

      jest.advanceTimersByTime(connection.delay);
      expect(graphql.open('QueueUpdated')).toHaveLength(1);
      expect(store.retryingSince()).toBe(failedAt); // subscribed again, no snapshot yet
      pushSnapshot([...waiting, givenSession()]);
      expect(store.retryingSince()).toBeNull();
      expect(store.count()).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a final refusal sets loadError, not retryingSince', () => {
    store.start();
    graphql.open('QueueUpdated')[0].results.error(new RequestError('Operators only', 'FORBIDDEN', false));
    expect(store.retryingSince()).toBeNull();
    expect(store.loadError()).toBe('Operators only');
  });

  it('accepts a chat: it leaves the queue and joins my chats', async () => {
    start();
    const session = waiting[0];
    graphql.on('AcceptSession', () => ({ acceptSession: { ...session, status: 'ACTIVE' } }));
    const outcome = await store.accept(session);
    expect(outcome.kind).toBe('accepted');
    expect(store.count()).toBe(0);
    expect(TestBed.inject(ActiveChatsStore).get(session.id)).toBeDefined();
  });

  it('when another operator was faster: the chat leaves the queue and the outcome says "taken"', async () => {
    start();
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
    start();
    graphql.on('AcceptSession', () => {
      throw new RequestError('Something broke', 'INTERNAL_SERVER_ERROR', false);
    });
    const outcome = await store.accept(waiting[0]);
    expect(outcome).toEqual({ kind: 'failed', visitor: 'Ada', message: 'Something broke' });
    expect(store.count()).toBe(1);
    expect(graphql.callsOf('ChatSessionHistory')).toEqual([]);
  });

  describe('an accept whose answer was lost: reads the chat session again before saying anything', () => {
    /** What apollo-angular throws when HttpClient gets no answer (status 0). */
    const lostAnswer = () => Promise.reject(new Error('Http failure response for /graphql: 0 undefined'));
    const me = { id: 'op-1', name: 'Olga' };

    it('accepted by me there (the request did reach the API): accepted, no error, in my chats', async () => {
      start();
      const session = waiting[0];
      graphql.on('AcceptSession', lostAnswer);
      graphql.on('ChatSessionHistory', () => ({ session: { ...session, status: 'ACTIVE', operator: me, messages: [] } }));
      const outcome = await store.accept(session);
      expect(outcome.kind).toBe('accepted');
      expect(graphql.callsOf('ChatSessionHistory')[0]).toMatchObject({ id: session.id });
      expect(store.count()).toBe(0);
      expect(TestBed.inject(ActiveChatsStore).get(session.id)?.session()?.status).toBe('ACTIVE');
    });

    it('accepted by another operator meanwhile: taken', async () => {
      start();
      graphql.on('AcceptSession', lostAnswer);
      graphql.on('ChatSessionHistory', () => ({ session: { ...waiting[0], status: 'ACTIVE', operator: { id: 'op-2', name: 'Pavel' }, messages: [] } }));
      expect(await store.accept(waiting[0])).toEqual({ kind: 'taken', visitor: 'Ada' });
      expect(store.count()).toBe(0);
      expect(TestBed.inject(ActiveChatsStore).get(waiting[0].id)).toBeUndefined();
    });

    it('closed meanwhile: gone', async () => {
      start();
      graphql.on('AcceptSession', lostAnswer);
      graphql.on('ChatSessionHistory', () => ({ session: { ...waiting[0], status: 'CLOSED', messages: [] } }));
      expect(await store.accept(waiting[0])).toEqual({ kind: 'gone', visitor: 'Ada' });
    });

    it('still waiting, and the accept sent once more gets no answer either: failed, in readable words, still in the queue', async () => {
      start();
      graphql.on('AcceptSession', lostAnswer);
      graphql.on('ChatSessionHistory', () => ({ session: { ...waiting[0], messages: [] } }));
      expect(await store.accept(waiting[0])).toEqual({ kind: 'failed', visitor: 'Ada', message: NO_CONNECTION });
      expect(graphql.callsOf('AcceptSession')).toHaveLength(2); // once more, not more
      expect(store.count()).toBe(1);
    });

    it("still waiting when read (the first accept was still running behind a proxy's 504, or never arrived): sent once more; the API answers the holder with the chat, accepted", async () => {
      start();
      const session = waiting[0];
      let calls = 0;
      graphql.on('AcceptSession', () => (++calls === 1 ? lostAnswer() : { acceptSession: { ...session, status: 'ACTIVE', operator: me } }));
      // Read between the two accepts: still waiting; read by the chat once accepted: active.
      graphql.on('ChatSessionHistory', () => ({ session: { ...session, ...(calls > 1 ? { status: 'ACTIVE', operator: me } : {}), messages: [] } }));
      const outcome = await store.accept(session);
      expect(outcome.kind).toBe('accepted');
      expect(store.count()).toBe(0);
      expect(TestBed.inject(ActiveChatsStore).get(session.id)?.session()?.status).toBe('ACTIVE');
    });

    it('the read gets no answer either: failed, in readable words, still in the queue', async () => {
      start();
      graphql.on('AcceptSession', lostAnswer);
      graphql.on('ChatSessionHistory', lostAnswer);
      expect(await store.accept(waiting[0])).toEqual({ kind: 'failed', visitor: 'Ada', message: NO_CONNECTION });
      expect(store.count()).toBe(1);
    });
  });
});

describe('QueueStore with the same operator in two tabs', () => {
  it('re-reads my chats when a chat leaves the queue without being accepted here', async () => {
    localStorage.clear();
    const graphql = new FakeGraphql();
    const session = givenSession();
    let mine: ChatSessionFieldsFragment[] = [];
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
    const queue = graphql.open('QueueUpdated')[0].results;
    queue.next({ data: { queueUpdated: { count: 1, sessions: [session] } } });
    mine = [{ ...session, status: 'ACTIVE' }];
    queue.next({ data: { queueUpdated: { count: 0, sessions: [] } } });
    await flush();
    expect(TestBed.inject(ActiveChatsStore).get(session.id)).toBeDefined();
  });
});
