import { RequestError } from '../core/request-error';
import { FakeConnection, FakeGraphql, flush, givenMessage, givenSession } from '../testing/fakes';
import { ChatSessionStore, HISTORY_PAGE_SIZE, STREAM_SETTLE_MS, TYPING_IDLE_MS, VISITOR_TYPING_TIMEOUT_MS } from './chat-session.store';

const operator = { id: 'op-1', name: 'Olga' };

function history(messages: ReturnType<typeof givenMessage>[], session = givenSession({ status: 'ACTIVE' })) {
  return { session: { ...session, messages } };
}

describe('ChatSessionStore', () => {
  let graphql: FakeGraphql;
  let connection: FakeConnection;

  beforeEach(() => {
    localStorage.clear();
    graphql = new FakeGraphql();
    connection = new FakeConnection();
  });

  async function started(messages = [givenMessage(1), givenMessage(2)], session = givenSession({ status: 'ACTIVE' })) {
    graphql.on('ChatSessionHistory', () => history(messages, session));
    const chat = new ChatSessionStore({ graphql, connection, operator }, session.id, session, true);
    await chat.start();
    return chat;
  }

  function push(chat: ChatSessionStore, event: unknown) {
    graphql.open('SessionEvents').at(-1)!.results.next({ data: { sessionEvents: event } });
  }

  it('loads the latest page, then follows events after its last seq', async () => {
    const chat = await started();
    expect(graphql.callsOf('ChatSessionHistory')[0]).toMatchObject({ first: HISTORY_PAGE_SIZE });
    expect(chat.messages().map((m) => m.seq)).toEqual([1, 2]);
    expect(graphql.open('SessionEvents')[0].variables).toMatchObject({ afterSeq: 2 });
    push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(3) });
    push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(3) });
    expect(chat.messages().map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('after a lost connection resubscribes with afterSeq = the last seq received, and nothing is doubled', async () => {
    jest.useFakeTimers();
    try {
      const chat = await started();
      push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(3) });
      connection.lost$.next();
      jest.advanceTimersByTime(connection.delay);
      const resumed = graphql.open('SessionEvents');
      expect(resumed).toHaveLength(1);
      expect(resumed[0].variables).toMatchObject({ afterSeq: 3 });
      // The server replays what was missed; an overlap would be dropped.
      for (const seq of [3, 4, 5]) push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(seq) });
      expect(chat.messages().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      jest.useRealTimers();
    }
  });

  it("does not resume after an operator's own message that overtook missing ones", async () => {
    jest.useFakeTimers();
    try {
      const chat = await started();
      graphql.on('SendMessage', ({ input }) => ({
        sendMessage: givenMessage(4, { senderRole: 'OPERATOR', senderName: 'Olga', clientMessageId: (input as { clientMessageId: string }).clientMessageId }),
      }));
      chat.send('hello');
      await flush();
      expect(chat.outgoing()).toEqual([]);
      expect(chat.messages().map((m) => m.seq)).toEqual([1, 2, 4]);
      connection.lost$.next();
      jest.advanceTimersByTime(connection.delay);
      expect(graphql.open('SessionEvents')[0].variables).toMatchObject({ afterSeq: 2 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows a sent message at once, then as stored when the API confirms it', async () => {
    const chat = await started();
    let confirm!: (value: unknown) => void;
    graphql.on('SendMessage', () => new Promise((resolve) => (confirm = resolve)));
    expect(chat.send('  Hello there  ')).toBeNull();
    expect(chat.outgoing()).toEqual([expect.objectContaining({ content: 'Hello there', state: 'sending' })]);
    expect(chat.draft()).toBe('');
    const { clientMessageId } = chat.outgoing()[0];
    expect(graphql.callsOf('SendMessage')[0]).toEqual({ input: { sessionId: chat.id, content: 'Hello there', clientMessageId } });
    confirm({ sendMessage: givenMessage(3, { senderRole: 'OPERATOR', senderName: 'Olga', content: 'Hello there', clientMessageId }) });
    await flush();
    expect(chat.outgoing()).toEqual([]);
    expect(chat.messages().at(-1)).toMatchObject({ seq: 3, clientMessageId });
  });

  it('keeps a failed message with a retry that reuses its clientMessageId', async () => {
    const chat = await started();
    graphql.on('SendMessage', () => {
      throw new RequestError('Failed to fetch', undefined, true);
    });
    chat.send('are you there?');
    await flush();
    expect(chat.outgoing()[0]).toMatchObject({ state: 'failed', retryable: true, error: 'Not sent: no connection to the server' });
    const { clientMessageId } = chat.outgoing()[0];
    graphql.on('SendMessage', () => ({ sendMessage: givenMessage(3, { senderRole: 'OPERATOR', clientMessageId }) }));
    chat.retry(clientMessageId);
    await flush();
    expect(graphql.callsOf('SendMessage').map((v) => (v['input'] as { clientMessageId: string }).clientMessageId)).toEqual([clientMessageId, clientMessageId]);
    expect(chat.outgoing()).toEqual([]);
  });

  it('does not offer a retry when the chat was closed meanwhile', async () => {
    const chat = await started();
    graphql.on('SendMessage', () => {
      throw new RequestError('closed', 'SESSION_CLOSED', false);
    });
    chat.send('late');
    await flush();
    expect(chat.outgoing()[0]).toMatchObject({ state: 'failed', retryable: false });
  });

  it('refuses empty and over-long text', async () => {
    const chat = await started();
    expect(chat.send('   ')).toBe('empty');
    expect(chat.send('x'.repeat(4001))).toBe('too-long');
    expect(chat.outgoing()).toEqual([]);
  });

  it('keeps the draft and unsent messages across a reload', async () => {
    const session = givenSession({ status: 'ACTIVE' });
    const chat = await started([givenMessage(1)], session);
    graphql.on('SendMessage', () => new Promise(() => undefined));
    chat.setDraft('half-written');
    chat.send('never confirmed');
    chat.setDraft('still typing');
    const again = new ChatSessionStore({ graphql, connection, operator }, session.id, session, true);
    expect(again.draft()).toBe('still typing');
    expect(again.outgoing()).toEqual([expect.objectContaining({ content: 'never confirmed', state: 'failed', retryable: true })]);
    chat.destroy();
  });

  it('loads older messages before the first one when scrolling up', async () => {
    const chat = await started([givenMessage(51), givenMessage(52)]);
    expect(chat.hasOlder()).toBe(true);
    graphql.on('ChatSessionHistory', () => history([givenMessage(49), givenMessage(50)]));
    await chat.loadOlder();
    expect(graphql.callsOf('ChatSessionHistory')[1]).toMatchObject({ beforeSeq: 51 });
    expect(chat.messages().map((m) => m.seq)).toEqual([49, 50, 51, 52]);
  });

  it('counts unread visitor messages until marked read', async () => {
    const chat = await started([givenMessage(1), givenMessage(2, { senderRole: 'OPERATOR' }), givenMessage(3)]);
    expect(chat.unread()).toBe(2);
    chat.markRead();
    expect(chat.unread()).toBe(0);
    push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(4) });
    expect(chat.unread()).toBe(1);
  });

  it("shows the visitor's typing (expiring by itself) and presence", async () => {
    jest.useFakeTimers();
    try {
      const chat = await started();
      expect(chat.visitorPresence()).toBeNull();
      push(chat, { __typename: 'TypingChanged', sessionId: chat.id, senderRole: 'VISITOR', isTyping: true });
      push(chat, { __typename: 'TypingChanged', sessionId: chat.id, senderRole: 'OPERATOR', isTyping: false });
      expect(chat.visitorTyping()).toBe(true);
      jest.advanceTimersByTime(VISITOR_TYPING_TIMEOUT_MS);
      expect(chat.visitorTyping()).toBe(false);
      push(chat, { __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'VISITOR', presence: 'ONLINE' });
      expect(chat.visitorPresence()).toBe('ONLINE');
      push(chat, { __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'VISITOR', presence: 'OFFLINE' });
      expect(chat.visitorPresence()).toBe('OFFLINE');
    } finally {
      jest.useRealTimers();
    }
  });

  it("reads the visitor's presence with the chat (live chats only), then follows presence events", async () => {
    const session = givenSession({ status: 'ACTIVE' });
    graphql.on('ChatSessionHistory', (v) => ({ session: { ...session, ...(v['withPresence'] ? { visitorPresence: 'ONLINE' } : {}), messages: [givenMessage(1)] } }));
    const transcript = new ChatSessionStore({ graphql, connection, operator }, session.id, session, false);
    await transcript.start();
    expect(graphql.callsOf('ChatSessionHistory')[0]).toMatchObject({ withPresence: false });
    expect(transcript.visitorPresence()).toBeNull();

    const chat = new ChatSessionStore({ graphql, connection, operator }, session.id, session, true);
    await chat.start();
    expect(graphql.callsOf('ChatSessionHistory')[1]).toMatchObject({ withPresence: true });
    expect(chat.visitorPresence()).toBe('ONLINE');
    expect(chat.session()).not.toHaveProperty('visitorPresence');
    push(chat, { __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'VISITOR', presence: 'OFFLINE' });
    expect(chat.visitorPresence()).toBe('OFFLINE');
    push(chat, { __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'OPERATOR', presence: 'ONLINE' });
    expect(chat.visitorPresence()).toBe('OFFLINE');
    chat.destroy();
  });

  it('keeps a presence event that arrived while a read of the chat was under way (the event is newer)', async () => {
    const chat = await started();
    let answer!: (value: unknown) => void;
    const session = chat.session()!;
    graphql.on('ChatSessionHistory', () => new Promise((resolve) => (answer = resolve)));
    const refreshing = chat.refresh();
    push(chat, { __typename: 'ParticipantPresenceChanged', sessionId: chat.id, role: 'VISITOR', presence: 'OFFLINE' });
    answer({ session: { ...session, visitorPresence: 'ONLINE', messages: [] } });
    await refreshing;
    expect(chat.visitorPresence()).toBe('OFFLINE');
  });

  it("re-reads the visitor's presence after a lost connection (changes meanwhile have no replay)", async () => {
    jest.useFakeTimers();
    try {
      let presence = 'ONLINE';
      const session = givenSession({ status: 'ACTIVE' });
      graphql.on('ChatSessionHistory', () => ({ session: { ...session, visitorPresence: presence, messages: [givenMessage(1)] } }));
      const chat = new ChatSessionStore({ graphql, connection, operator }, session.id, session, true);
      await chat.start();
      expect(chat.visitorPresence()).toBe('ONLINE');
      connection.lost$.next();
      presence = 'OFFLINE';
      jest.advanceTimersByTime(connection.delay);
      await flush();
      expect(graphql.callsOf('ChatSessionHistory').at(-1)).toMatchObject({ afterSeq: 1, withPresence: true });
      expect(chat.visitorPresence()).toBe('OFFLINE');
      chat.destroy();
    } finally {
      jest.useRealTimers();
    }
  });

  it("sends the operator's typing and stops it when idle", async () => {
    jest.useFakeTimers();
    try {
      const chat = await started();
      graphql.on('SetTyping', () => ({ setTyping: true }));
      chat.setDraft('H');
      chat.setDraft('He');
      expect(graphql.callsOf('SetTyping')).toEqual([{ sessionId: chat.id, isTyping: true }]);
      jest.advanceTimersByTime(TYPING_IDLE_MS);
      expect(graphql.callsOf('SetTyping').at(-1)).toEqual({ sessionId: chat.id, isTyping: false });
    } finally {
      jest.useRealTimers();
    }
  });

  it('closes with a resolution, and stops following', async () => {
    const chat = await started();
    graphql.on('CloseSession', (v) => ({ closeSession: { ...chat.session()!, status: 'CLOSED', resolution: v['resolution'] } }));
    await chat.close('Answered');
    expect(graphql.callsOf('CloseSession')).toEqual([{ sessionId: chat.id, resolution: 'Answered' }]);
    expect(chat.closed()).toBe(true);
    expect(graphql.open('SessionEvents')).toHaveLength(0);
  });

  it('notices when the visitor closes the chat', async () => {
    const chat = await started();
    push(chat, { __typename: 'SessionClosed', sessionId: chat.id, closedAt: new Date().toISOString(), closedBy: 'VISITOR', resolution: null });
    expect(chat.closed()).toBe(true);
    expect(chat.closedBy()).toBe('VISITOR');
    expect(chat.send('hello?')).toBe('closed');
  });

  describe('while the live stream is retried after the API could not serve it', () => {
    const unavailable = () => new RequestError('Redis is unreachable', 'SERVICE_UNAVAILABLE', false);
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('says since when, keeps the messages, and stops saying it at the next event', async () => {
      const chat = await started();
      expect(chat.retryingSince()).toBeNull();
      const failedAt = Date.now();
      graphql.open('SessionEvents')[0].results.error(unavailable());
      expect(chat.retryingSince()).toBe(failedAt);
      expect(chat.streamError()).toBeNull();
      expect(chat.messages().map((m) => m.seq)).toEqual([1, 2]);
      jest.advanceTimersByTime(connection.delay);
      expect(graphql.open('SessionEvents')[0].variables).toMatchObject({ afterSeq: 2 });
      push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: givenMessage(3) });
      expect(chat.retryingSince()).toBeNull();
    });

    it('stops saying it once the new stream of a quiet chat has stayed open STREAM_SETTLE_MS', async () => {
      const chat = await started();
      graphql.open('SessionEvents')[0].results.error(unavailable());
      jest.advanceTimersByTime(connection.delay + STREAM_SETTLE_MS - 1);
      expect(chat.retryingSince()).not.toBeNull();
      jest.advanceTimersByTime(1);
      expect(chat.retryingSince()).toBeNull();
    });

    it('does not say it for a final refusal: streamError says why instead', async () => {
      const chat = await started();
      graphql.open('SessionEvents')[0].results.error(new RequestError('This chat is assigned to another operator', 'FORBIDDEN', false));
      expect(chat.retryingSince()).toBeNull();
      expect(chat.streamError()).toBe('This chat is assigned to another operator');
    });

    it('does not say it once the chat is no longer followed', async () => {
      const chat = await started();
      graphql.open('SessionEvents')[0].results.error(unavailable());
      chat.destroy();
      expect(chat.retryingSince()).toBeNull();
    });
  });
});
