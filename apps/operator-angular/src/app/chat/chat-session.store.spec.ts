import { NO_CONNECTION, RequestError, toRequestError } from '../core/request-error';
import { FakeConnection, FakeGraphql, flush, givenMessage, givenSession } from '../testing/fakes';
import { ChatSessionStore, HISTORY_PAGE_SIZE, SEND_TIMEOUT_MS, STREAM_SETTLE_MS, TYPING_IDLE_MS, VISITOR_TYPING_TIMEOUT_MS } from './chat-session.store';

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
    chat.destroy();
  });

  it('sends a failed message restored in a transcript when the operator presses Retry (not left "Sending…")', async () => {
    const session = givenSession({ status: 'ACTIVE' });
    const live = await started([givenMessage(1)], session);
    graphql.on('SendMessage', () => {
      throw new RequestError('Failed to fetch', undefined, true);
    });
    live.send('sent before the chat closed');
    await flush();
    live.destroy();
    // Reloaded after the visitor closed the chat: the console shows it as a transcript, the reply restored as failed.
    const closed = givenSession({ ...session, status: 'CLOSED' });
    graphql.on('ChatSessionHistory', () => history([givenMessage(1)], closed));
    const transcript = new ChatSessionStore({ graphql, connection, operator }, session.id, closed, false);
    await transcript.start();
    const [restored] = transcript.outgoing();
    expect(restored).toMatchObject({ state: 'failed', retryable: true });
    graphql.on('SendMessage', () => {
      throw new RequestError('This chat session is closed', 'SESSION_CLOSED', false);
    });
    transcript.retry(restored.clientMessageId);
    await flush();
    expect(graphql.callsOf('SendMessage')).toHaveLength(2);
    expect(transcript.outgoing()).toEqual([expect.objectContaining({ state: 'failed', retryable: false, error: 'Not sent: the chat is closed' })]);
    transcript.destroy();
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

  describe('a close whose answer was lost (the request reached the API, or not)', () => {
    /** What apollo-angular throws when HttpClient gets no answer (status 0). */
    const lostAnswer = () => new Error('Http failure response for /graphql: 0 undefined');

    it('reads the chat again: closed there with this resolution, it is done — no error', async () => {
      const session = givenSession({ status: 'ACTIVE' });
      const chat = await started(undefined, session);
      graphql.on('CloseSession', () => Promise.reject(lostAnswer()));
      graphql.on('ChatSessionHistory', () => history([], { ...session, status: 'CLOSED', resolution: 'Answered', closedAt: new Date().toISOString() }));
      await expect(chat.close('Answered')).resolves.toBeUndefined();
      expect(chat.closed()).toBe(true);
      expect(chat.closedBy()).toBe('OPERATOR');
      expect(graphql.open('SessionEvents')).toHaveLength(0);
    });

    it('reads the chat again: still active, the close failed — in readable words, the chat still followed', async () => {
      const session = givenSession({ status: 'ACTIVE' });
      const chat = await started(undefined, session);
      graphql.on('CloseSession', () => Promise.reject(lostAnswer()));
      const reads = graphql.callsOf('ChatSessionHistory').length;
      const failure = await chat.close('Answered').then(
        () => null,
        (error: unknown) => toRequestError(error),
      );
      expect(graphql.callsOf('ChatSessionHistory').length).toBe(reads + 1);
      expect(failure).toMatchObject({ network: true, message: NO_CONNECTION });
      expect(chat.closed()).toBe(false);
      expect(graphql.open('SessionEvents')).toHaveLength(1);
    });

    it('the read gets no answer either: the close failed, in readable words', async () => {
      const chat = await started();
      graphql.on('CloseSession', () => Promise.reject(lostAnswer()));
      graphql.on('ChatSessionHistory', () => Promise.reject(lostAnswer()));
      await expect(chat.close('Answered')).rejects.toMatchObject({ network: true, message: NO_CONNECTION });
      expect(chat.closed()).toBe(false);
    });
  });

  it('notices when the visitor closes the chat', async () => {
    const chat = await started();
    push(chat, { __typename: 'SessionClosed', sessionId: chat.id, closedAt: new Date().toISOString(), closedBy: 'VISITOR', resolution: null });
    expect(chat.closed()).toBe(true);
    expect(chat.closedBy()).toBe('VISITOR');
    expect(chat.send('hello?')).toBe('closed');
  });

  describe('sends a message refused for a reason that may pass again by itself', () => {
    type Input = { clientMessageId: string; content: string };
    const unavailable = () => new RequestError('The database is unreachable', 'SERVICE_UNAVAILABLE', false);
    const noAnswer = () => new RequestError('Failed to fetch', undefined, true);
    let lastSeq: number;
    /** What SendMessage does next; by default it stores the message. */
    let answer: (input: Input) => unknown;
    const stores = (input: Input) => ({
      sendMessage: givenMessage(++lastSeq, { senderRole: 'OPERATOR', senderName: 'Olga', content: input.content, clientMessageId: input.clientMessageId }),
    });
    const refuses = (error: () => RequestError) => () => {
      throw error();
    };
    /** Contents of every SendMessage so far, in the order sent. */
    const sent = () => graphql.callsOf('SendMessage').map((v) => (v['input'] as Input).content);

    async function chatting() {
      lastSeq = 2;
      answer = stores;
      const chat = await started();
      graphql.on('SendMessage', ({ input }) => answer(input as Input));
      return chat;
    }

    /** Advances fake time by `ms`, letting the answers settle after each timer (which may schedule the next). */
    async function wait(ms: number) {
      await jest.advanceTimersByTimeAsync(ms);
      await flush();
    }

    beforeEach(() => {
      jest.useFakeTimers();
      jest.spyOn(Math, 'random').mockReturnValue(1); // the longest wait of each step: 1 s, 2 s, 4 s …
    });
    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

    it.each([
      ['SERVICE_UNAVAILABLE', unavailable],
      ['RATE_LIMITED', () => new RequestError('Too many messages', 'RATE_LIMITED', false)],
      ['no answer (network)', noAnswer],
    ])('after %s: shown as not sent and retrying, then sent with the same clientMessageId after 1 s, stored once', async (_name, error) => {
      const chat = await chatting();
      answer = refuses(error);
      chat.send('still there?');
      await flush();
      expect(chat.outgoing()).toEqual([expect.objectContaining({ state: 'failed', autoRetry: true, retryable: true })]);
      const { clientMessageId } = chat.outgoing()[0];
      answer = stores;
      await wait(999);
      expect(sent()).toEqual(['still there?']);
      await wait(1);
      expect(graphql.callsOf('SendMessage').map((v) => (v['input'] as Input).clientMessageId)).toEqual([clientMessageId, clientMessageId]);
      // The live event of the stored message comes too: still one message, nothing left outgoing.
      push(chat, { __typename: 'MessageCreated', sessionId: chat.id, message: chat.messages().at(-1) });
      expect(chat.outgoing()).toEqual([]);
      expect(chat.messages().filter((m) => m.clientMessageId === clientMessageId)).toHaveLength(1);
      chat.destroy();
    });

    it('says why while it waits: the server is briefly unavailable', async () => {
      const chat = await chatting();
      answer = refuses(unavailable);
      chat.send('hello');
      await flush();
      expect(chat.outgoing()[0]).toMatchObject({ error: 'Not sent: the server is briefly unavailable', autoRetry: true });
      chat.destroy();
    });

    it.each([
      ['INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR', true],
      ['BAD_USER_INPUT', 'BAD_USER_INPUT', false],
      ['SESSION_CLOSED', 'SESSION_CLOSED', false],
      ['FORBIDDEN', 'FORBIDDEN', false],
      // A proxy's 4xx without a GraphQL body (413 for a body over its limit, say): the same request gets the same answer.
      ['an answer with no code that is not a connection failure', undefined, true],
    ])('after %s: waits for Retry, nothing is sent by itself', async (_name, code, retryable) => {
      const chat = await chatting();
      graphql.on('ChatSessionHistory', () => history([givenMessage(1), givenMessage(2)]));
      answer = refuses(() => new RequestError('No', code, false));
      chat.send('hello');
      await flush();
      expect(chat.outgoing()).toEqual([expect.objectContaining({ state: 'failed', autoRetry: false, retryable })]);
      connection.reconnected$.next();
      await wait(120_000);
      expect(sent()).toEqual(['hello']);
      chat.destroy();
    });

    it('keeps the order written: a later message waits until the earlier one waiting for its resend is stored', async () => {
      const chat = await chatting();
      let release!: () => void;
      answer = refuses(unavailable);
      chat.send('first');
      chat.send('second');
      await flush();
      // The second was not sent behind the first's back; it waits with it.
      expect(sent()).toEqual(['first']);
      expect(chat.outgoing().map((o) => [o.content, o.state, o.autoRetry])).toEqual([
        ['first', 'failed', true],
        ['second', 'failed', true],
      ]);
      answer = (input) => new Promise((resolve) => (release = () => resolve(stores(input))));
      await wait(1000);
      expect(sent()).toEqual(['first', 'first']);
      await wait(SEND_TIMEOUT_MS - 1000 - 1);
      expect(sent()).toEqual(['first', 'first']); // not before the first is stored
      chat.send('third'); // written meanwhile: queued after them
      await flush();
      expect(sent()).toEqual(['first', 'first']);
      release();
      await flush();
      expect(sent()).toEqual(['first', 'first', 'second']);
      release();
      await flush();
      release();
      await flush();
      expect(sent()).toEqual(['first', 'first', 'second', 'third']);
      expect(chat.messages().slice(2).map((m) => [m.seq, m.content])).toEqual([
        [3, 'first'],
        [4, 'second'],
        [5, 'third'],
      ]);
      expect(chat.outgoing()).toEqual([]);
      chat.destroy();
    });

    it('a send with no answer within SEND_TIMEOUT_MS counts as not answered: resent by itself, and the messages behind it follow in order', async () => {
      const chat = await chatting();
      answer = () => new Promise(() => undefined); // the request hangs
      chat.send('hello?');
      chat.send('anyone?');
      await wait(SEND_TIMEOUT_MS - 1);
      expect(sent()).toEqual(['hello?']);
      expect(chat.outgoing().map((o) => o.state)).toEqual(['sending', 'sending']);
      await wait(1);
      expect(chat.outgoing().map((o) => [o.content, o.state, o.autoRetry])).toEqual([
        ['hello?', 'failed', true],
        ['anyone?', 'failed', true],
      ]);
      answer = stores;
      await wait(1000);
      expect(sent()).toEqual(['hello?', 'hello?', 'anyone?']);
      expect(chat.messages().slice(2).map((m) => m.content)).toEqual(['hello?', 'anyone?']);
      expect(chat.outgoing()).toEqual([]);
      chat.destroy();
    });

    it('a message written while another waits for its resend sends that one first, then itself', async () => {
      const chat = await chatting();
      answer = refuses(unavailable);
      chat.send('first');
      await flush();
      answer = stores;
      chat.send('second');
      await flush();
      expect(sent()).toEqual(['first', 'first', 'second']);
      expect(chat.messages().slice(2).map((m) => m.content)).toEqual(['first', 'second']);
      chat.destroy();
    });

    it('backs off 1 s, 2 s, 4 s … on one timer for all waiting messages, starting over once one is stored', async () => {
      const chat = await chatting();
      answer = refuses(unavailable);
      chat.send('a');
      chat.send('b');
      await flush();
      const times: number[] = [];
      const start = Date.now();
      graphql.on('SendMessage', ({ input }) => {
        times.push(Date.now() - start);
        return answer(input as Input);
      });
      await wait(1000 + 2000 + 4000);
      expect(times).toEqual([1000, 3000, 7000]); // only the first of the two each time
      answer = stores;
      await wait(8000);
      expect(times).toEqual([1000, 3000, 7000, 15000, 15000]);
      expect(chat.outgoing()).toEqual([]);
      answer = refuses(unavailable);
      chat.send('c');
      await flush();
      await wait(999);
      expect(times).toHaveLength(6);
      await wait(1);
      expect(times).toHaveLength(7); // 1 s again
      chat.destroy();
    });

    it("never resends sooner than a rate limit's retryAfterSeconds, not even when the connection comes back", async () => {
      const chat = await chatting();
      answer = refuses(() => new RequestError('Too many messages', 'RATE_LIMITED', false, 5));
      chat.send('slow down');
      await flush();
      answer = stores;
      await wait(1000); // the backoff alone would have resent now
      connection.reconnected$.next();
      await wait(3999);
      expect(sent()).toEqual(['slow down']);
      await wait(1);
      expect(sent()).toEqual(['slow down', 'slow down']);
      expect(chat.outgoing()).toEqual([]);
      chat.destroy();
    });

    it('Retry sends at once (and the earlier waiting messages before it)', async () => {
      const chat = await chatting();
      answer = refuses(() => new RequestError('Too many messages', 'RATE_LIMITED', false, 30));
      chat.send('one');
      chat.send('two');
      await flush();
      answer = stores;
      chat.retry(chat.outgoing()[1].clientMessageId);
      await flush();
      expect(sent()).toEqual(['one', 'one', 'two']);
      expect(chat.outgoing()).toEqual([]);
      chat.destroy();
    });

    it.each([
      ['the socket reconnects', () => connection.reconnected$.next()],
      ['the browser is back online', () => connection.retryNow$.next()],
    ])('resends at once when %s', async (_name, comeBack) => {
      const chat = await chatting();
      answer = refuses(noAnswer);
      chat.send('back?');
      await flush();
      await wait(1000 + 2000 + 4000); // the next automatic resend is 8 s away
      expect(sent()).toHaveLength(4);
      answer = stores;
      comeBack();
      await flush();
      expect(sent()).toHaveLength(5);
      expect(chat.outgoing()).toEqual([]);
      chat.destroy();
    });

    it('stops the timer on destroy: nothing is sent afterwards', async () => {
      const chat = await chatting();
      answer = refuses(unavailable);
      chat.send('going away');
      await flush();
      chat.destroy();
      expect(jest.getTimerCount()).toBe(0);
      connection.reconnected$.next();
      await wait(120_000);
      expect(sent()).toEqual(['going away']);
    });

    it('stops resending when the chat closes; Retry stays', async () => {
      const chat = await chatting();
      answer = refuses(unavailable);
      chat.send('bye');
      await flush();
      push(chat, { __typename: 'SessionClosed', sessionId: chat.id, closedAt: new Date().toISOString(), closedBy: 'VISITOR', resolution: null });
      expect(chat.outgoing()).toEqual([expect.objectContaining({ state: 'failed', autoRetry: false, retryable: true })]);
      await wait(120_000);
      expect(sent()).toEqual(['bye']);
      chat.destroy();
    });

    it('does not resend by itself what a reload restored as failed: the operator decides (Retry)', async () => {
      const session = givenSession({ status: 'ACTIVE' });
      const chat = await started([givenMessage(1)], session);
      graphql.on('SendMessage', refuses(unavailable));
      chat.send('before the reload');
      await flush();
      expect(chat.outgoing()[0].autoRetry).toBe(true);
      chat.destroy();
      const again = new ChatSessionStore({ graphql, connection, operator }, session.id, session, true);
      await again.start();
      expect(again.outgoing()).toEqual([expect.objectContaining({ content: 'before the reload', state: 'failed', retryable: true, autoRetry: false })]);
      connection.reconnected$.next();
      await wait(120_000);
      expect(graphql.callsOf('SendMessage')).toHaveLength(1);
      again.destroy();
    });
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
