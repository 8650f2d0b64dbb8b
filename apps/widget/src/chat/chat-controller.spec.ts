import { ErrorCode, MAX_MESSAGE_LENGTH } from '@parley/shared';
import { ChatController, EVENTS_SETTLED_MS, halfSpent, RENEW_WAIT_MS } from './chat-controller';
import { OperationError, ORIGIN_REFUSED } from './transport';
import { BASE_URL, type FakeTransport, fakeTransports, flush, givenHost, givenMessage, givenSession, messageCreated, until } from '../test/fake-transport';

type Setup = ReturnType<typeof givenHost> & { net: ReturnType<typeof fakeTransports>; chat: ChatController };

function mount(options: Parameters<typeof givenHost>[0] & { sendTimeoutMs?: number } = {}): Setup {
  const setup = givenHost(options);
  const net = fakeTransports();
  const chat = new ChatController({ host: setup.host, transportFactory: net.factory, sendTimeoutMs: options.sendTimeoutMs });
  return { ...setup, net, chat };
}

const settle = () => jest.advanceTimersByTimeAsync(0);

function typeAndSend(s: Setup, text: string): void {
  const box = s.$<HTMLTextAreaElement>('.composer textarea')!;
  box.value = text;
  box.dispatchEvent(new Event('input'));
  s.$<HTMLButtonElement>('.composer button.send')!.click();
}

function lines(s: Setup): string[] {
  return s.$$('.log li').map((li) => li.querySelector('.bubble')?.textContent ?? li.textContent ?? '');
}

function statusOf(s: Setup, text: string): string | null {
  const li = s.$$('.log li').find((l) => l.querySelector('.bubble')?.textContent === text);
  return li?.querySelector('.status')?.textContent ?? null;
}

/** A returning visitor (token stored) whose open chat session has `messages`; connected and subscribed. */
async function resumed(s: Setup, session = givenSession(), messages = [givenMessage(1, { senderRole: 'VISITOR', senderName: null, content: 'hi', clientMessageId: 'c-1' })]) {
  const t = await until(() => s.net.authed(), 'an authenticated transport');
  t.setState('online');
  await t.answer('LatestSession', { mySessions: { nodes: [session] } });
  await t.answer('SessionMessages', { session: { ...session, messages } });
  await until(() => t.events(), 'the SessionEvents subscription');
  return t;
}

/** Drives a new visitor through the pre-chat step and the first message; returns the authenticated transport. */
async function startChat(s: Setup, first = 'Hello') {
  s.$<HTMLButtonElement>('form.prechat button[type=submit]')?.click();
  typeAndSend(s, first);
  await until(() => s.net.anonymous(), 'the anonymous transport');
  await s.net.anonymous()!.answer('CreateVisitor', { createVisitor: { token: 'token-1', visitor: { id: 'visitor-1' } } });
  const t = s.net.authed()!;
  t.setState('online');
  await t.answer('LatestSession', { mySessions: { nodes: [] } });
  const start = await t.answer('StartSession', { startSession: givenSession({ lastSeq: 1 }) });
  await t.push(messageCreated(givenMessage(1, { senderRole: 'VISITOR', senderName: null, content: first, clientMessageId: start.variables.input.clientMessageId })));
  return t;
}

beforeEach(() => {
  localStorage.clear();
  document.body.replaceChildren();
});

describe('point 1: pre-chat step, then the conversation', () => {
  it('asks for an optional name and e-mail, creates the visitor with them and starts the chat session with the first message', async () => {
    const s = mount();
    expect(s.$('form.prechat')).not.toBeNull();
    expect(s.$('.composer')!.hidden).toBe(true);
    s.$<HTMLInputElement>('input[name=name]')!.value = 'Vera';
    s.$<HTMLInputElement>('input[name=email]')!.value = 'vera@example.com';
    s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
    expect(s.$('.prechat-box form, form.prechat')?.closest('[hidden]')).not.toBeNull();
    expect(s.$('.composer')!.hidden).toBe(false);
    expect(s.net.made).toHaveLength(0); // nothing sent until the visitor writes

    window.history.replaceState(null, '', '/shop/bikes?reset_token=secret#top');
    typeAndSend(s, 'Hello');
    expect(lines(s)).toEqual(['Hello']);
    expect(statusOf(s, 'Hello')).toBe('Sending…');
    const anonymous = await until(() => s.net.anonymous());
    expect(anonymous.url).toBe('wss://chat.example.test/graphql');
    const create = await anonymous.answer('CreateVisitor', { createVisitor: { token: 'token-1', visitor: { id: 'visitor-1' } } });
    expect(create.variables.input).toEqual({ name: 'Vera', email: 'vera@example.com', locale: 'en', pageUrl: 'http://localhost/shop/bikes' });
    expect(anonymous.disposed).toBe(true);
    expect(s.host.store.read().token).toBe('token-1');

    const t = s.net.authed()!;
    expect(t.token).toBe('token-1');
    t.setState('online');
    await t.answer('LatestSession', { mySessions: { nodes: [] } });
    const start = await t.answer('StartSession', { startSession: givenSession({ lastSeq: 1 }) });
    expect(start.variables.input.content).toBe('Hello');
    expect(statusOf(s, 'Hello')).toBe('Sent');
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 0 });
  });

  it('validates a required pre-chat step', () => {
    const s = mount({ config: { prechat: 'required' } });
    s.$<HTMLInputElement>('input[name=email]')!.value = 'not-an-address';
    s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
    expect(s.$('form.prechat')).not.toBeNull();
    expect(s.$$('form.prechat .error:not([hidden])').map((e) => e.textContent)).toEqual(['Please fill in this field.', 'Please enter a valid e-mail address.']);
    expect(s.$('input[name=name]')!.getAttribute('aria-invalid')).toBe('true');
  });

  it('skips the pre-chat step when configured off or when the host page identified the visitor', () => {
    expect(mount({ config: { prechat: 'off' } }).$('form.prechat')).toBeNull();
    document.body.replaceChildren();
    expect(mount({ identity: { name: 'Alice', email: 'alice@example.com' } }).$('form.prechat')).toBeNull();
  });
});

describe('a name or e-mail the API refuses (createVisitor answers BAD_USER_INPUT)', () => {
  const refusal = 'email must be an e-mail address';
  const fieldError = (s: Setup, field: string) => s.$(`input[name=${field}]`)?.closest('label')?.querySelector('.error:not([hidden])')?.textContent ?? null;

  it('the pre-chat step refuses what the API refuses: a top-level domain of one letter, a domain without one', () => {
    for (const email of ['john@gmail.c', 'ops@intranet', 'a@-shop.com']) {
      document.body.replaceChildren();
      const s = mount();
      s.$<HTMLInputElement>('input[name=email]')!.value = email;
      s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
      expect(fieldError(s, 'email')).toBe('Please enter a valid e-mail address.');
      expect(s.$('.composer')!.hidden).toBe(true);
    }
  });

  it('asks again with the reason under the field, keeps the messages unsent meanwhile, then sends them with the corrected profile', async () => {
    const s = mount();
    s.$<HTMLInputElement>('input[name=name]')!.value = 'John Typo';
    s.$<HTMLInputElement>('input[name=email]')!.value = 'john@example.com'; // taken by the form, refused by this API
    s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
    typeAndSend(s, 'Hello');
    typeAndSend(s, 'Anyone there?');
    const first = await until(() => s.net.anonymous(), 'the anonymous transport');
    await first.fail('CreateVisitor', ErrorCode.BAD_USER_INPUT, refusal);
    await until(() => s.$('.composer')!.hidden, 'the composer hidden');
    expect(s.$('form.prechat')).not.toBeNull();
    expect(s.$<HTMLInputElement>('input[name=name]')!.value).toBe('John Typo');
    expect(s.$<HTMLInputElement>('input[name=email]')!.value).toBe('john@example.com');
    expect(fieldError(s, 'email')).toBe(refusal);
    expect(s.$('input[name=email]')!.getAttribute('aria-invalid')).toBe('true');
    expect(fieldError(s, 'name')).toBeNull();
    expect(s.$('form.prechat > .error')?.textContent).toBe('Please check your details. Your messages are kept and will be sent as soon as you continue.');
    expect(s.host.store.read().outbox?.map((e) => e.content)).toEqual(['Hello', 'Anyone there?']);
    expect(s.host.store.read().identity).toBeNull(); // written by an anonymous visitor (no Parley.identify)
    // Nothing goes out by itself under the refused profile (no resend, no second createVisitor).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(s.net.made).toEqual([first]);

    s.$<HTMLInputElement>('input[name=email]')!.value = 'john@example.org';
    s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
    expect(s.host.store.read().profile).toEqual({ name: 'John Typo', email: 'john@example.org' });
    expect([statusOf(s, 'Hello'), statusOf(s, 'Anyone there?')]).toEqual(['Sending…', 'Sending…']);
    const anonymous = await until(() => s.net.made.length === 2 && s.net.anonymous(), 'a second anonymous transport');
    const create = await anonymous.answer('CreateVisitor', { createVisitor: { token: 'token-1', visitor: { id: 'visitor-1' } } });
    expect(create.variables.input).toMatchObject({ name: 'John Typo', email: 'john@example.org' });
    expect(s.host.store.read().profile).toBeUndefined();
    const t = s.net.authed()!;
    t.setState('online');
    await t.answer('LatestSession', { mySessions: { nodes: [] } });
    const start = await t.answer('StartSession', { startSession: givenSession({ lastSeq: 1 }) });
    expect(start.variables.input.content).toBe('Hello');
    const next = await until(() => t.pending('SendMessage')[0], 'the second message');
    expect(next.variables.input.content).toBe('Anyone there?');
  });

  it("creates the visitor without the page's address and language when the API refuses those, not asking the visitor", async () => {
    const s = mount({ config: { prechat: 'off' } });
    typeAndSend(s, 'Hello');
    const anonymous = await until(() => s.net.anonymous(), 'the anonymous transport');
    await anonymous.fail('CreateVisitor', ErrorCode.BAD_USER_INPUT, 'pageUrl must be an http(s) URL');
    const again = await anonymous.answer('CreateVisitor', { createVisitor: { token: 'token-1', visitor: { id: 'visitor-1' } } });
    expect(again.variables.input.pageUrl).toBeUndefined();
    expect(again.variables.input.locale).toBeUndefined();
    expect(s.$('form.prechat')).toBeNull();
    const t = s.net.authed()!;
    t.setState('online');
    await t.answer('LatestSession', { mySessions: { nodes: [] } });
    expect((await t.answer('StartSession', { startSession: givenSession({ lastSeq: 1 }) })).variables.input.content).toBe('Hello');
  });

  it('after a reload with the refused profile and its messages stored, asks again instead of failing forever', async () => {
    const stored = { profile: { name: 'John Typo', email: 'john@example.com' }, outbox: [{ clientMessageId: 'c-1', content: 'Hello', createdAt: 1 }] };
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify(stored));
    const s = mount();
    await s.net.anonymous()!.fail('CreateVisitor', ErrorCode.BAD_USER_INPUT, refusal);
    await until(() => s.$('form.prechat'), 'the pre-chat step');
    expect(fieldError(s, 'email')).toBe(refusal);
    expect(s.host.store.read().outbox).toEqual(stored.outbox);
  });

  it('an unsigned Parley.identify refused: one console warning naming the field, and the visitor is asked in the form', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const s = mount({ config: { prechat: 'off' }, identity: { name: 'x', email: 'ops@intranet' } });
      typeAndSend(s, 'Help');
      await s.net.anonymous()!.fail('CreateVisitor', ErrorCode.BAD_USER_INPUT, refusal);
      await until(() => s.$('form.prechat'), 'the pre-chat step');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/Parley\.identify.*email must be an e-mail address/);
      expect(s.$<HTMLInputElement>('input[name=email]')!.value).toBe('ops@intranet');
      expect(fieldError(s, 'email')).toBe(refusal);
      expect(s.host.store.read()).toMatchObject({ identity: 'e:ops@intranet', outbox: [expect.objectContaining({ content: 'Help' })] });

      s.$<HTMLInputElement>('input[name=email]')!.value = 'ops@intranet.example';
      s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
      const anonymous = await until(() => s.net.made.length === 2 && s.net.anonymous(), 'a second anonymous transport');
      const create = await anonymous.answer('CreateVisitor', { createVisitor: { token: 'token-1', visitor: { id: 'visitor-1' } } });
      expect(create.variables.input).toMatchObject({ name: 'x', email: 'ops@intranet.example' });
      // Still the page's person: a reload identifying them again keeps this visitor.
      expect(s.host.store.read()).toMatchObject({ token: 'token-1', identity: 'e:ops@intranet' });
      const t = s.net.authed()!;
      t.setState('online');
      await t.answer('LatestSession', { mySessions: { nodes: [] } });
      expect((await t.answer('StartSession', { startSession: givenSession({ lastSeq: 1 }) })).variables.input.content).toBe('Help');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('a site whose origin the API refuses (not in ALLOWED_ORIGINS)', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('a new visitor: createVisitor refused for the origin shows a final notice, one console error naming ALLOWED_ORIGINS, and nothing is tried again', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const s = mount();
    s.$<HTMLButtonElement>('form.prechat button[type=submit]')!.click();
    typeAndSend(s, 'Hello');
    typeAndSend(s, 'Hello?');
    jest.useFakeTimers();
    s.net.anonymous()!.pending('CreateVisitor')[0].reject(new OperationError('refused', ORIGIN_REFUSED));
    await settle();
    expect(s.$('.notice')!.hidden).toBe(false);
    expect(s.$('.notice')!.textContent).toBe('Chat is not available on this site.');
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatch(/ALLOWED_ORIGINS/);
    await jest.advanceTimersByTimeAsync(10 * 60000);
    typeAndSend(s, 'Anyone?');
    s.$$('.log li button').find((b) => b.textContent === 'Retry')?.click();
    await settle();
    expect(s.net.made).toHaveLength(1);
    expect(error).toHaveBeenCalledTimes(1);
    expect(s.host.store.read().outbox?.map((e) => e.content)).toEqual(['Hello', 'Hello?']); // kept for a later visit
    expect(s.$('.log button.retry')).toBeNull(); // nothing a visitor could do here
  });

  it('a returning visitor: the socket refused for the origin shows the notice instead of "Reconnecting", keeps the token, and closes the transport', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = await until(() => s.net.authed(), 'the authenticated transport');
    t.setState('offline');
    t.refuseOrigin();
    expect(s.$('.notice')!.textContent).toBe('Chat is not available on this site.');
    expect(t.disposed).toBe(true);
    expect(error).toHaveBeenCalledTimes(1);
    expect(s.host.store.read().token).toBe('token-1');
    expect(s.net.made).toEqual([t]);
  });
});

describe('signed identities (Parley.identify with userId, issuedAt, signature)', () => {
  const signed = { userId: 'user-42', email: 'alice@example.com', name: 'Alice Martin', issuedAt: 1_790_000_000, signature: 'a'.repeat(64) };

  it("creates the signed user's visitor as soon as the panel opens, with the identity exactly as given, and shows their open chat", async () => {
    const s = mount({ identity: signed });
    expect(s.$('form.prechat')).toBeNull();
    const anonymous = await until(() => s.net.anonymous(), 'the anonymous transport');
    const create = await anonymous.answer('CreateVisitor', { createVisitor: { token: 'token-42', visitor: { id: 'visitor-42' } } });
    expect(create.variables.input).toEqual({ identity: signed, locale: 'en', pageUrl: expect.stringMatching(/^http:\/\/localhost\//) });
    expect(s.host.store.read()).toMatchObject({ token: 'token-42', identity: 'u:user-42' });
    // The same user, from another device: their open chat session and its history.
    const session = givenSession({ status: 'ACTIVE', lastSeq: 2, operator: { name: 'Anna' } });
    const t = await resumed(s, session, [
      givenMessage(1, { senderRole: 'VISITOR', senderName: null, content: 'Written on my phone', clientMessageId: 'c-1' }),
      givenMessage(2, { content: 'Hello Alice' }),
    ]);
    expect(lines(s)).toEqual(['Written on my phone', 'Hello Alice']);
    typeAndSend(s, 'And now from my laptop');
    const send = await until(() => t.pending('SendMessage')[0], 'sendMessage');
    expect(send.variables.input.sessionId).toBe('session-1');
    expect(t.pending('StartSession')).toHaveLength(0);
  });

  it('keeps what the visitor wrote when the API refuses the signature, says so, and sends it on retry with a fresh one', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const s = mount({ identity: signed });
      await until(() => s.net.anonymous(), 'the anonymous transport');
      await s.net.anonymous()!.fail('CreateVisitor', ErrorCode.UNAUTHENTICATED, 'Identity refused: signed 900 s ago; at most 600 s are accepted');
      expect(s.$('.composer-error')?.textContent).toBe('We could not confirm your account. Reload the page and try again.');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('signed 900 s ago'));
      typeAndSend(s, 'Where is my order?');
      await until(() => s.net.made.filter((t) => !t.token).length === 2 && s.net.anonymous()!.pending('CreateVisitor')[0], 'a second CreateVisitor');
      await s.net.anonymous()!.fail('CreateVisitor', ErrorCode.UNAUTHENTICATED, 'Identity refused: signed 900 s ago; at most 600 s are accepted');
      await until(() => statusOf(s, 'Where is my order?') === 'Not sent', 'the message marked not sent');
      expect(s.host.store.read().outbox?.map((e) => e.content)).toEqual(['Where is my order?']);

      // The page signs again and the visitor presses Retry.
      s.state.identity = { ...signed, issuedAt: signed.issuedAt + 600, signature: 'b'.repeat(64) };
      s.$$('.log li button').find((b) => b.textContent === 'Retry')!.click();
      const create = await until(() => s.net.made.filter((t) => !t.token).length === 3 && s.net.anonymous()!.pending('CreateVisitor')[0], 'a third CreateVisitor');
      expect(create.variables.input.identity.signature).toBe('b'.repeat(64));
      create.resolve({ createVisitor: { token: 'token-42', visitor: { id: 'visitor-42' } } });
      const t = await until(() => s.net.authed(), 'the authenticated transport');
      t.setState('online');
      await t.answer('LatestSession', { mySessions: { nodes: [] } });
      const start = await t.answer('StartSession', { startSession: givenSession({ lastSeq: 1 }) });
      expect(start.variables.input.content).toBe('Where is my order?');
      expect(s.$('.composer-error')?.textContent).toBe('');
    } finally {
      warn.mockRestore();
    }
  });

  it('sends no identity for an unsigned visitor, only the name and e-mail', async () => {
    const s = mount({ identity: { name: 'Alice Martin', email: 'alice@example.com' } });
    await flush();
    expect(s.net.made).toHaveLength(0); // an unsigned visitor is created only when they write
    typeAndSend(s, 'Hello');
    const create = await s.net.anonymous()!.answer('CreateVisitor', { createVisitor: { token: 't', visitor: { id: 'v' } } });
    expect(create.variables.input.identity).toBeUndefined();
    expect(create.variables.input).toMatchObject({ name: 'Alice Martin', email: 'alice@example.com' });
  });
});

describe('point 2: waiting queue', () => {
  it('shows the live queue position and estimated wait, and that no operator is online', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push({ __typename: 'QueuePositionChanged', position: 3, estimatedWaitSeconds: 300, operatorsOnline: 2 });
    expect(s.$('.queue')!.hidden).toBe(false);
    expect(s.$('.queue')!.textContent).toBe('You are number 3 in the queue.Estimated wait: about 5 min.');
    await t.push({ __typename: 'QueuePositionChanged', position: 1, estimatedWaitSeconds: 40, operatorsOnline: 2 });
    expect(s.$('.queue')!.textContent).toBe('You are number 1 in the queue.Estimated wait: less than a minute.');
    await t.push({ __typename: 'QueuePositionChanged', position: 1, estimatedWaitSeconds: null, operatorsOnline: 0 });
    expect(s.$('.queue')!.textContent).toContain('No operator is online right now. Your message is kept');
    expect(s.$('.queue')!.getAttribute('role')).toBe('status');
    expect(s.$('.subtitle')!.textContent).toBe('Waiting for an operator');
  });
});

describe('point 3: operator, messages, delivery, typing, unread', () => {
  it('shows who joined, messages both ways with times, and hides the queue', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push({ __typename: 'OperatorJoined', operator: { name: 'Anna' } });
    await t.push(messageCreated(givenMessage(2, { senderRole: 'SYSTEM', senderName: null, content: 'Anna joined the chat' })));
    await t.push(messageCreated(givenMessage(3, { content: 'Hi, how can I help?' })));
    expect(s.$('.subtitle')!.textContent).toBe('You are chatting with Anna');
    expect(s.$('.queue')!.hidden).toBe(true);
    expect(lines(s)).toEqual(['Hello', 'Anna joined the chat', 'Hi, how can I help?']);
    const operatorLine = s.$$('.log li.operator')[0];
    expect(operatorLine.querySelector('.who')!.textContent).toBe('Anna');
    expect(operatorLine.querySelector('time')!.getAttribute('datetime')).toBe(givenMessage(3).sentAt);
    expect(operatorLine.querySelector('time')!.textContent).toMatch(/\d\d:\d\d/);
  });

  it('sends with sendMessage, shows the message at once and marks it sent on confirmation, once', async () => {
    const s = mount();
    const t = await startChat(s);
    typeAndSend(s, 'Second');
    expect(statusOf(s, 'Second')).toBe('Sending…');
    const send = await until(() => t.pending('SendMessage')[0]);
    expect(send.variables.input).toMatchObject({ sessionId: 'session-1', content: 'Second' });
    const confirmed = givenMessage(2, { senderRole: 'VISITOR', senderName: null, content: 'Second', clientMessageId: send.variables.input.clientMessageId });
    send.resolve({ sendMessage: confirmed });
    await flush();
    await t.push(messageCreated(confirmed)); // the same message through the event stream
    expect(lines(s)).toEqual(['Hello', 'Second']);
    expect(statusOf(s, 'Second')).toBe('Sent');
    expect(s.host.store.read().outbox).toBeUndefined();
  });

  it('keeps a failed message with Retry, which resends it with the same clientMessageId', async () => {
    const s = mount({ sendTimeoutMs: 30 });
    const t = await startChat(s);
    typeAndSend(s, 'Are you there?');
    const first = await until(() => t.pending('SendMessage')[0]);
    await until(() => statusOf(s, 'Are you there?') === 'Not sent', 'the message to show as not sent');
    expect(s.host.store.read().outbox).toEqual([expect.objectContaining({ content: 'Are you there?' })]);
    s.$<HTMLButtonElement>('.log button.retry')!.click();
    expect(first.cancelled).toBe(true);
    const second = await until(() => t.pending('SendMessage')[0]);
    expect(second.variables.input.clientMessageId).toBe(first.variables.input.clientMessageId);
    second.resolve({ sendMessage: givenMessage(2, { senderRole: 'VISITOR', senderName: null, content: 'Are you there?', clientMessageId: first.variables.input.clientMessageId }) });
    await flush();
    expect(statusOf(s, 'Are you there?')).toBe('Sent');
    expect(s.$('.log button.retry')).toBeNull();
  });

  it('refuses a message over the length limit without sending it', async () => {
    const s = mount();
    const t = await startChat(s);
    typeAndSend(s, 'x'.repeat(MAX_MESSAGE_LENGTH + 1));
    expect(s.$('.composer-error')!.textContent).toBe(`A message can be at most ${MAX_MESSAGE_LENGTH} characters long.`);
    expect(t.pending('SendMessage')).toHaveLength(0);
  });

  it('tells the operator the visitor is typing, and shows the operator typing', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push({ __typename: 'OperatorJoined', operator: { name: 'Anna' } });
    const box = s.$<HTMLTextAreaElement>('.composer textarea')!;
    box.value = 'I wa';
    box.dispatchEvent(new Event('input'));
    box.value = 'I want';
    box.dispatchEvent(new Event('input'));
    expect(t.pending('SetTyping').map((r) => r.variables)).toEqual([{ sessionId: 'session-1', isTyping: true }]);
    await t.push({ __typename: 'TypingChanged', senderRole: 'OPERATOR', isTyping: true });
    expect(s.$('.typing')!.textContent).toBe('Anna is typing…');
    await t.push(messageCreated(givenMessage(2, { content: 'Sure' })));
    expect(s.$('.typing')!.textContent).toBe('');
    typeAndSend(s, 'I want a bike');
    expect(t.pending('SetTyping').map((r) => r.variables.isTyping)).toEqual([true, false]);
  });

  it('counts operator messages while the panel is closed, and clears the count on open', async () => {
    const s = mount();
    const t = await startChat(s);
    s.state.open = false;
    await t.push(messageCreated(givenMessage(2, { content: 'One' })));
    await t.push(messageCreated(givenMessage(3, { content: 'Two' })));
    expect(s.host.setUnread).toHaveBeenLastCalledWith(2);
    expect(s.host.emit).toHaveBeenCalledWith('unread', 2);
    s.state.open = true;
    s.chat.opened();
    expect(s.host.setUnread).toHaveBeenLastCalledWith(0);
    expect(s.host.store.read().lastReadSeq).toBe(3);
  });

  it('announces new messages to Parley.on("message") listeners, not the history', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = await resumed(s);
    expect(s.host.emit).not.toHaveBeenCalledWith('message', expect.anything());
    await t.push(messageCreated(givenMessage(2, { content: 'Welcome back' })));
    expect(s.host.emit).toHaveBeenCalledWith('message', expect.objectContaining({ seq: 2, content: 'Welcome back', senderRole: 'OPERATOR', sessionId: 'session-1' }));
  });
});

describe('point 4: coming back in the same browser', () => {
  it('resumes the stored chat session with its history, then listens after its last seq', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true, lastReadSeq: 2 }));
    const s = mount();
    expect(s.$('form.prechat')).toBeNull();
    const t = await resumed(s, givenSession({ status: 'ACTIVE', operator: { name: 'Anna' }, queuePosition: null }), [
      givenMessage(1, { senderRole: 'VISITOR', senderName: null, content: 'hi', clientMessageId: 'c-1' }),
      givenMessage(2, { content: 'hello' }),
      givenMessage(3, { content: 'anything else?' }),
    ]);
    expect(t.token).toBe('token-1');
    expect(t.requests.find((r) => r.name === 'SessionMessages')!.variables).toEqual({ id: 'session-1', beforeSeq: 2147483647, first: 50 });
    expect(lines(s)).toEqual(['hi', 'hello', 'anything else?']);
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 3 });
    expect(s.$('.subtitle')!.textContent).toBe('You are chatting with Anna');
  });

  it('loads earlier messages on demand', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    await resumed(s, givenSession(), [givenMessage(51), givenMessage(52)]);
    const t = s.net.authed()!;
    expect(s.$('button.earlier')!.hidden).toBe(false);
    s.$<HTMLButtonElement>('button.earlier')!.click();
    const request = await t.answer('SessionMessages', { session: { ...givenSession(), messages: [givenMessage(49), givenMessage(50)] } });
    expect(request.variables).toEqual({ id: 'session-1', beforeSeq: 51, first: 50 });
    expect(lines(s)).toEqual(['message 49', 'message 50', 'message 51', 'message 52']);
  });

  it('resends what the visitor wrote but the API never confirmed before the reload', async () => {
    localStorage.setItem(
      `parley:${BASE_URL}`,
      JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true, draft: 'half a sent', outbox: [{ clientMessageId: 'c-2', content: 'lost?', createdAt: Date.now() }] }),
    );
    const s = mount();
    expect(s.$<HTMLTextAreaElement>('.composer textarea')!.value).toBe('half a sent');
    const t = await resumed(s);
    const send = await until(() => t.pending('SendMessage')[0]);
    expect(send.variables.input).toEqual({ sessionId: 'session-1', content: 'lost?', clientMessageId: 'c-2' });
  });

  it('starts clean when the API refuses the stored token', () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'expired', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    s.net.authed()!.refuse();
    expect(s.net.authed()!.disposed).toBe(true);
    expect(s.host.store.read()).toEqual({});
    expect(s.$('form.prechat')).not.toBeNull();
  });

  it('reset() (another identity) drops the visitor and its chat', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = await resumed(s);
    s.chat.reset();
    expect(t.disposed).toBe(true);
    expect(lines(s)).toEqual([]);
    expect(s.host.store.read().token).toBeUndefined();
  });
});

describe('point 5: connection lost', () => {
  it('shows a quiet notice, and after reconnecting catches up from the last seq without doubling', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push(messageCreated(givenMessage(2, { content: 'first answer' })));
    const before = t.events()!;
    t.setState('offline');
    expect(before.closed).toBe(true);
    expect(s.$('.notice')!.hidden).toBe(false);
    expect(s.$('.notice')!.textContent).toBe('Connection lost. Reconnecting…');
    expect(s.$('.notice')!.getAttribute('role')).toBe('status');

    t.setState('online');
    await t.answer('SessionState', { session: givenSession({ status: 'ACTIVE', operator: { name: 'Anna' } }) });
    const after = await until(() => t.events());
    expect(after).not.toBe(before);
    expect(after.variables).toEqual({ sessionId: 'session-1', afterSeq: 2 });
    expect(s.$('.notice')!.hidden).toBe(true);
    await t.push(messageCreated(givenMessage(2, { content: 'first answer' }))); // a duplicate is dropped
    await t.push(messageCreated(givenMessage(3, { content: 'while you were away' })));
    expect(lines(s)).toEqual(['Hello', 'first answer', 'while you were away']);
  });

  it('resumes from the last seq received without a gap, not from a later confirmed one', async () => {
    const s = mount();
    const t = await startChat(s);
    typeAndSend(s, 'quick');
    const send = await until(() => t.pending('SendMessage')[0]);
    // seq 2 (an operator message) is still on its way when the visitor's seq 3 is confirmed.
    send.resolve({ sendMessage: givenMessage(3, { senderRole: 'VISITOR', senderName: null, content: 'quick', clientMessageId: send.variables.input.clientMessageId }) });
    await flush();
    t.setState('offline');
    t.setState('online');
    await t.answer('SessionState', { session: givenSession() });
    expect((await until(() => t.events())).variables.afterSeq).toBe(1);
  });
});

const unavailable = () => new OperationError('Service unavailable', ErrorCode.SERVICE_UNAVAILABLE);
/** Lets promise callbacks run under fake timers. */

describe('live events the API cannot serve for a while (SERVICE_UNAVAILABLE: Redis or PostgreSQL unreachable)', () => {
  const notice = (s: Setup) => (s.$('.notice')!.hidden ? null : s.$('.notice')!.textContent);
  const eventSubscriptions = (t: FakeTransport) => t.subscriptions.filter((x) => x.name === 'SessionEvents');

  beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(1)); // the longest wait of each step: 1 s, 2 s, 4 s …
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('subscribes again after the backoff, from the last seq received without a gap, and says meanwhile that it is reconnecting', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push(messageCreated(givenMessage(2, { content: 'first answer' })));
    await t.push(messageCreated(givenMessage(4, { content: 'seq 3 is still on its way' })));
    jest.useFakeTimers();
    const failed = t.events()!;
    failed.sink.error(unavailable());
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    await jest.advanceTimersByTimeAsync(999);
    expect(eventSubscriptions(t)).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(eventSubscriptions(t)).toHaveLength(2);
    expect(failed.closed).toBe(true);
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 2 });
    expect(notice(s)).toBe('Connection lost. Reconnecting…'); // not yet known to work
    t.events()!.sink.next({ sessionEvents: messageCreated(givenMessage(3, { content: 'caught up' })) });
    expect(notice(s)).toBeNull();
    expect(lines(s)).toEqual(['Hello', 'first answer', 'caught up', 'seq 3 is still on its way']);
  });

  it('waits longer after each failure, up to 30 s, and starts over once events flow again', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    for (const wait of [1000, 2000, 4000, 8000, 16000, 30000, 30000]) {
      const count = eventSubscriptions(t).length;
      t.events()!.sink.error(unavailable());
      await jest.advanceTimersByTimeAsync(wait - 1);
      expect(eventSubscriptions(t)).toHaveLength(count);
      await jest.advanceTimersByTimeAsync(1);
      expect(eventSubscriptions(t)).toHaveLength(count + 1);
    }
    t.events()!.sink.next({ sessionEvents: { __typename: 'TypingChanged', senderRole: 'OPERATOR', isTyping: true } });
    t.events()!.sink.error(unavailable());
    await jest.advanceTimersByTimeAsync(1000);
    expect(eventSubscriptions(t)).toHaveLength(9);
  });

  it('takes a restarted subscription that stays quiet without failing as working again', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    t.events()!.sink.error(unavailable());
    await jest.advanceTimersByTimeAsync(1000);
    t.events()!.sink.error(unavailable());
    await jest.advanceTimersByTimeAsync(2000);
    expect(eventSubscriptions(t)).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(EVENTS_SETTLED_MS - 1);
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    await jest.advanceTimersByTimeAsync(1);
    expect(notice(s)).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    t.events()!.sink.error(unavailable()); // much later: the shortest wait again
    await jest.advanceTimersByTimeAsync(1000);
    expect(eventSubscriptions(t)).toHaveLength(4);
  });

  it('stops retrying when the widget is torn down, leaving no timer behind', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    t.events()!.sink.error(unavailable());
    expect(jest.getTimerCount()).toBe(1);
    s.chat.destroy();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60000);
    expect(eventSubscriptions(t)).toHaveLength(1);
  });

  it('stops retrying when the chat session closes meanwhile (the visitor ended it)', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    t.events()!.sink.error(unavailable());
    expect(jest.getTimerCount()).toBe(1);
    s.$<HTMLButtonElement>('button.leave')!.click();
    t.pending('LeaveSession')[0].resolve({ closeSession: givenSession({ status: 'CLOSED', queuePosition: null }) });
    await settle();
    expect(s.$('.closed')!.hidden).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    expect(notice(s)).toBeNull();
    await jest.advanceTimersByTimeAsync(60000);
    expect(eventSubscriptions(t)).toHaveLength(1);
  });

  it('leaves it to the reconnect path when the socket goes offline, and a newer subscription replaces the retry', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    t.events()!.sink.error(unavailable());
    expect(jest.getTimerCount()).toBe(1);
    t.setState('offline');
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60000);
    expect(eventSubscriptions(t)).toHaveLength(1);
    t.setState('online');
    t.pending('SessionState')[0].resolve({ session: givenSession({ status: 'ACTIVE', operator: { name: 'Anna' } }) });
    await settle();
    expect(eventSubscriptions(t)).toHaveLength(2); // resubscribed by the reconnect, once
    await jest.advanceTimersByTimeAsync(60000);
    expect(eventSubscriptions(t)).toHaveLength(2);
  });

  it('does not retry an answer a retry would not change (BAD_USER_INPUT), and retries a code it does not know', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    t.events()!.sink.error(new OperationError('bad afterSeq', ErrorCode.BAD_USER_INPUT));
    expect(jest.getTimerCount()).toBe(0);
    expect(notice(s)).toBeNull();
    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].resolve({ session: givenSession() });
    await settle();
    t.events()!.sink.error(new OperationError('Unexpected error', 'INTERNAL_SERVER_ERROR'));
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    await jest.advanceTimersByTimeAsync(1000);
    expect(eventSubscriptions(t)).toHaveLength(3);
  });

  it('retries a failed resume() after reconnecting, with the same backoff, then listens from the last seq', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push(messageCreated(givenMessage(2, { content: 'first answer' })));
    jest.useFakeTimers();
    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].reject(unavailable());
    await settle();
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    expect(t.events()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(999);
    expect(t.pending('SessionState')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    t.pending('SessionState')[0].reject(unavailable());
    await settle();
    await jest.advanceTimersByTimeAsync(1999);
    expect(t.pending('SessionState')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    t.pending('SessionState')[0].resolve({ session: givenSession({ status: 'ACTIVE', operator: { name: 'Anna' } }) });
    await settle();
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 2 });
  });

  it('takes the notice down when a restarted resume() or events subscription ends in an answer a retry would not change', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].reject(unavailable());
    await settle();
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    await jest.advanceTimersByTimeAsync(1000);
    t.pending('SessionState')[0].reject(new OperationError('bad id', ErrorCode.BAD_USER_INPUT));
    await settle();
    expect(notice(s)).toBeNull();
    expect(jest.getTimerCount()).toBe(0);

    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].resolve({ session: givenSession() });
    await settle();
    t.events()!.sink.error(unavailable());
    await jest.advanceTimersByTimeAsync(1000);
    expect(eventSubscriptions(t)).toHaveLength(3);
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    t.events()!.sink.error(new OperationError('bad afterSeq', ErrorCode.BAD_USER_INPUT));
    expect(notice(s)).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('retries the first resume() of a returning visitor (no chat session known yet)', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = s.net.authed()!;
    jest.useFakeTimers();
    t.setState('online');
    t.pending('LatestSession')[0].reject(unavailable());
    await settle();
    await jest.advanceTimersByTimeAsync(1000);
    const session = givenSession({ status: 'ACTIVE', operator: { name: 'Anna' } });
    t.pending('LatestSession')[0].resolve({ mySessions: { nodes: [session] } });
    await settle();
    t.pending('SessionMessages')[0].resolve({ session: { ...session, messages: [givenMessage(1), givenMessage(2)] } });
    await settle();
    expect(lines(s)).toEqual(['message 1', 'message 2']);
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 2 });
  });

  it('loads the history page a failed first resume() lost before listening, so old messages do not reach the host page as new ones', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = s.net.authed()!;
    jest.useFakeTimers();
    t.setState('online');
    const session = givenSession({ status: 'ACTIVE', operator: { name: 'Anna' }, queuePosition: null });
    t.pending('LatestSession')[0].resolve({ mySessions: { nodes: [session] } });
    await settle();
    t.pending('SessionMessages')[0].reject(unavailable());
    await settle();
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    await jest.advanceTimersByTimeAsync(1000);
    expect(t.pending('SessionState')).toHaveLength(0);
    const history = [1, 2, 3].map((seq) => givenMessage(seq));
    const page = t.pending('SessionMessages')[0];
    expect(page.variables).toEqual({ id: 'session-1', beforeSeq: 2147483647, first: 50 });
    page.resolve({ session: { ...session, messages: history } });
    await settle();
    expect(lines(s)).toEqual(['message 1', 'message 2', 'message 3']);
    expect(eventSubscriptions(t)).toHaveLength(1);
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 3 });
    t.events()!.sink.next({ sessionEvents: messageCreated(history[2]) }); // a replayed one is dropped
    t.events()!.sink.next({ sessionEvents: messageCreated(givenMessage(4, { content: 'new' })) });
    expect(s.host.emit.mock.calls.filter(([name]) => name === 'message').map(([, m]) => m.seq)).toEqual([4]);
    expect(notice(s)).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('loads that lost history page after a reconnect too, instead of refreshing only the state', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = s.net.authed()!;
    jest.useFakeTimers();
    t.setState('online');
    const session = givenSession();
    t.pending('LatestSession')[0].resolve({ mySessions: { nodes: [session] } });
    await settle();
    t.pending('SessionMessages')[0].reject(unavailable());
    await settle();
    t.setState('offline');
    expect(jest.getTimerCount()).toBe(0);
    t.setState('online');
    await settle();
    expect(t.pending('SessionState')).toHaveLength(0);
    t.pending('SessionMessages')[0].resolve({ session: { ...session, messages: [givenMessage(1), givenMessage(2)] } });
    await settle();
    expect(t.events()!.variables).toEqual({ sessionId: 'session-1', afterSeq: 2 });
    expect(s.host.emit).not.toHaveBeenCalledWith('message', expect.anything());
    await jest.advanceTimersByTimeAsync(60000);
    expect(eventSubscriptions(t)).toHaveLength(1);
    expect(notice(s)).toBeNull();
  });

  it('starts the backoff over after a reconnect, even when the chat stays quiet afterwards', async () => {
    const s = mount();
    const t = await startChat(s);
    jest.useFakeTimers();
    for (const wait of [1000, 2000, 4000, 8000, 16000]) {
      t.events()!.sink.error(unavailable());
      await jest.advanceTimersByTimeAsync(wait);
    }
    expect(eventSubscriptions(t)).toHaveLength(6);
    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].resolve({ session: givenSession() });
    await settle();
    expect(eventSubscriptions(t)).toHaveLength(7);
    expect(notice(s)).toBeNull();
    await jest.advanceTimersByTimeAsync(10 * 60000);
    t.events()!.sink.error(unavailable());
    expect(notice(s)).toBe('Connection lost. Reconnecting…');
    await jest.advanceTimersByTimeAsync(999);
    expect(eventSubscriptions(t)).toHaveLength(7);
    await jest.advanceTimersByTimeAsync(1);
    expect(eventSubscriptions(t)).toHaveLength(8);
  });
});

describe('messages the API cannot store for a while (SERVICE_UNAVAILABLE, RATE_LIMITED, the connection lost)', () => {
  beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(1)); // the longest wait of each step: 1 s, 2 s, 4 s …
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });
  const sends = (t: FakeTransport) => t.pending('SendMessage');
  /** A chat started with real timers; fake ones from then on. */
  async function chatting(options: Parameters<typeof mount>[0] = {}): Promise<{ s: Setup; t: FakeTransport }> {
    const s = mount(options);
    const t = await startChat(s);
    jest.useFakeTimers();
    return { s, t };
  }
  /** Refuses the oldest pending `sendMessage` with `error` and lets the widget take it in. */
  async function refuseSend(t: FakeTransport, error: Error = unavailable()) {
    sends(t)[0].reject(error);
    await settle();
  }

  it('sends a message that failed for a reason a retry may change again by itself, with the same clientMessageId, after the backoff', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'Still there?');
    const first = sends(t)[0];
    first.reject(unavailable());
    await settle();
    expect(statusOf(s, 'Still there?')).toBe('Not sent yet · retrying…');
    expect(s.$('.log button.retry')).toBeNull(); // nothing for the visitor to do: it goes by itself
    await jest.advanceTimersByTimeAsync(999);
    expect(sends(t)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(statusOf(s, 'Still there?')).toBe('Sending…');
    const second = sends(t)[0];
    expect(second.variables.input).toEqual(first.variables.input);
    second.reject(new OperationError('Too many requests', ErrorCode.RATE_LIMITED));
    await settle();
    await jest.advanceTimersByTimeAsync(1999);
    expect(sends(t)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    const third = sends(t)[0];
    third.resolve({ sendMessage: givenMessage(2, { senderRole: 'VISITOR', senderName: null, content: 'Still there?', clientMessageId: first.variables.input.clientMessageId }) });
    await settle();
    expect(statusOf(s, 'Still there?')).toBe('Sent');
    expect(s.host.store.read().outbox).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still resends by itself after its timer fired with nothing waiting (the chat closed meanwhile), in a new chat', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'Before the close');
    await refuseSend(t); // waiting for its resend in 1 s
    t.events()!.sink.next({ sessionEvents: { __typename: 'SessionClosed', sessionId: 'session-1', closedAt: new Date().toISOString(), closedBy: 'OPERATOR', resolution: null } });
    await settle();
    await jest.advanceTimersByTimeAsync(60_000); // the timer fires: nothing waits any more
    s.$<HTMLButtonElement>('.closed button.new-chat')!.click();
    typeAndSend(s, 'After the close');
    await settle();
    const start = () => t.pending('StartSession');
    start()[0].reject(unavailable());
    await settle();
    expect(statusOf(s, 'After the close')).toBe('Not sent yet · retrying…');
    await jest.advanceTimersByTimeAsync(2000);
    expect(start()).toHaveLength(1);
    expect(start()[0].variables.input.content).toBe('After the close');
  });

  it('waits at least as long as a rate limit asks (retryAfterSeconds) before sending again', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'Hurry');
    await refuseSend(t, new OperationError('Too many requests', ErrorCode.RATE_LIMITED, 12000));
    await jest.advanceTimersByTimeAsync(11999);
    expect(sends(t)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(sends(t)).toHaveLength(1);
  });

  it('sends those waiting at once when another message is stored', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'A');
    await refuseSend(t);
    typeAndSend(s, 'B');
    const b = sends(t)[0];
    b.resolve({ sendMessage: givenMessage(2, { senderRole: 'VISITOR', senderName: null, content: 'B', clientMessageId: b.variables.input.clientMessageId }) });
    await settle();
    expect(sends(t).map((x) => x.variables.input.content)).toEqual(['A']);
  });

  it('a reconnect during a rate limit\'s wait sends nothing early', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'Hurry');
    await refuseSend(t, new OperationError('Too many requests', ErrorCode.RATE_LIMITED, 20000));
    await jest.advanceTimersByTimeAsync(5000);
    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].resolve({ session: givenSession() });
    await settle();
    expect(sends(t)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(14999);
    expect(sends(t)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(sends(t)).toHaveLength(1);
  });

  it('does not send again by itself what a retry would not change, an error of the API, nor what only timed out (it may still arrive)', async () => {
    const { s, t } = await chatting({ sendTimeoutMs: 5000 });
    typeAndSend(s, 'bad');
    sends(t)[0].reject(new OperationError('content is empty', ErrorCode.BAD_USER_INPUT));
    typeAndSend(s, 'broken');
    await refuseSend(t, new OperationError('Unexpected error', 'INTERNAL_SERVER_ERROR'));
    expect(statusOf(s, 'bad')).toBe('Not sent');
    expect(statusOf(s, 'broken')).toBe('Not sent');
    typeAndSend(s, 'slow');
    const slow = sends(t)[0];
    await jest.advanceTimersByTimeAsync(5000);
    expect(statusOf(s, 'slow')).toBe('Not sent');
    await jest.advanceTimersByTimeAsync(10 * 60000);
    expect(sends(t)).toEqual([slow]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sends them again in the order they were written, whichever failed first', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'A');
    await refuseSend(t);
    await jest.advanceTimersByTimeAsync(1000);
    await refuseSend(t); // A's second failure: the next resend in 2 s
    typeAndSend(s, 'B');
    await refuseSend(t);
    await jest.advanceTimersByTimeAsync(1999);
    expect(sends(t)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(sends(t).map((x) => x.variables.input.content)).toEqual(['A', 'B']);
  });

  it('starts the chat with the first message written when creating the visitor failed for both', async () => {
    const s = mount();
    s.$<HTMLButtonElement>('form.prechat button[type=submit]')?.click();
    jest.useFakeTimers();
    typeAndSend(s, 'First');
    const anonymous = s.net.anonymous()!;
    typeAndSend(s, 'Second');
    // Were each message's resend timed on its own, jitter could send Second first (here 1 s, then 0.5 s).
    jest.spyOn(Math, 'random').mockReturnValueOnce(1).mockReturnValueOnce(0);
    anonymous.pending('CreateVisitor')[0].reject(unavailable());
    await settle();
    expect([statusOf(s, 'First'), statusOf(s, 'Second')]).toEqual(['Not sent yet · retrying…', 'Not sent yet · retrying…']);
    await jest.advanceTimersByTimeAsync(1000);
    s.net.anonymous()!.pending('CreateVisitor')[0].resolve({ createVisitor: { token: 'token-1', visitor: { id: 'visitor-1' } } });
    await settle();
    const t = s.net.authed()!;
    t.setState('online');
    t.pending('LatestSession')[0].resolve({ mySessions: { nodes: [] } });
    await settle();
    expect(t.pending('StartSession').map((x) => x.variables.input.content)).toEqual(['First']);
  });

  it('sends it again at once when the socket reconnects, without waiting for the backoff', async () => {
    const { s, t } = await chatting();
    typeAndSend(s, 'Hello again');
    const first = sends(t)[0];
    first.reject(unavailable());
    await settle();
    t.setState('offline');
    t.setState('online');
    t.pending('SessionState')[0].resolve({ session: givenSession() });
    await settle();
    expect(sends(t)).toHaveLength(1);
    expect(sends(t)[0].variables.input).toEqual(first.variables.input);
    await jest.advanceTimersByTimeAsync(5000);
    expect(sends(t)).toHaveLength(1);
  });

  it('shows which messages are being sent again by themselves and which wait for Retry', async () => {
    const { s, t } = await chatting({ sendTimeoutMs: 5000 });
    const retryOf = (text: string) => s.$$('.log li').find((l) => l.querySelector('.bubble')?.textContent === text)?.querySelector('button.retry') ?? null;
    typeAndSend(s, 'unavailable');
    await refuseSend(t);
    typeAndSend(s, 'limited');
    await refuseSend(t, new OperationError('Too many requests', ErrorCode.RATE_LIMITED, 60000));
    typeAndSend(s, 'no answer');
    await refuseSend(t, new OperationError('The connection failed'));
    typeAndSend(s, 'broken');
    await refuseSend(t, new OperationError('Unexpected error', 'INTERNAL_SERVER_ERROR'));
    typeAndSend(s, 'slow');
    await jest.advanceTimersByTimeAsync(5000); // unanswered: it may still arrive, so not sent again by itself
    expect(['unavailable', 'limited', 'no answer', 'broken', 'slow'].map((text) => [statusOf(s, text), retryOf(text) !== null])).toEqual([
      ['Not sent yet · retrying…', false],
      ['Not sent yet · retrying…', false],
      ['Not sent yet · retrying…', false],
      ['Not sent', true],
      ['Not sent', true],
    ]);
    s.$$('.log li').find((l) => l.querySelector('.bubble')?.textContent === 'broken')!.querySelector<HTMLButtonElement>('button.retry')!.click();
    expect(statusOf(s, 'broken')).toBe('Sending…');
  });

  it('says "retrying" in Russian too', async () => {
    const { s, t } = await chatting({ config: { locale: 'ru' } });
    typeAndSend(s, 'Привет');
    await refuseSend(t);
    expect(statusOf(s, 'Привет')).toBe('Ещё не отправлено · повторяем…');
  });
});

describe('point 6: closing, rating, a new chat', () => {
  it('shows the resolution, takes a rating with a comment, then offers a new chat', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push({ __typename: 'OperatorJoined', operator: { name: 'Anna' } });
    await t.push({ __typename: 'SessionClosed', resolution: 'Size M is in stock', closedBy: 'OPERATOR' });
    expect(s.$('.closed')!.hidden).toBe(false);
    expect(s.$('.closed')!.textContent).toContain('The operator closed the chat.');
    expect(s.$('.closed .resolution')!.textContent).toBe('Resolution: Size M is in stock');
    expect(s.$('.composer')!.hidden).toBe(true);
    expect(t.events()).toBeUndefined();
    expect(s.host.store.read().sessionOpen).toBe(false);

    const submit = s.$<HTMLButtonElement>('form.rate button[type=submit]')!;
    expect(submit.disabled).toBe(true);
    const four = s.$$('form.rate input[name=score]')[3] as HTMLInputElement;
    expect(four.getAttribute('aria-label')).toBe('4 of 5: good');
    four.click();
    four.dispatchEvent(new Event('change', { bubbles: true }));
    expect(submit.disabled).toBe(false);
    s.$<HTMLTextAreaElement>('form.rate textarea')!.value = '  quick and kind ';
    submit.click();
    const rate = await t.answer('RateSession', { rateSession: { score: 4 } });
    expect(rate.variables).toEqual({ sessionId: 'session-1', score: 4, comment: 'quick and kind' });
    expect(s.$('.closed .thanks')!.textContent).toBe('Thank you for your feedback!');
    expect(s.$('form.rate')).toBeNull();

    s.$<HTMLButtonElement>('.closed button.new-chat')!.click();
    expect(lines(s)).toEqual([]);
    expect(s.$('.composer')!.hidden).toBe(false);
    expect(s.host.store.read().sessionId).toBeUndefined();
    typeAndSend(s, 'Another question');
    const start = await t.answer('StartSession', { startSession: givenSession({ id: 'session-2', lastSeq: 1 }) });
    expect(start.variables.input.content).toBe('Another question');
    expect(t.events()!.variables).toEqual({ sessionId: 'session-2', afterSeq: 0 });
  });

  it('lets the visitor end the chat and rate it too', async () => {
    const s = mount();
    const t = await startChat(s);
    await t.push({ __typename: 'OperatorJoined', operator: { name: 'Anna' } });
    s.$<HTMLButtonElement>('button.leave')!.click();
    await t.answer('LeaveSession', { closeSession: givenSession({ status: 'CLOSED', queuePosition: null, operator: { name: 'Anna' } }) });
    expect(s.$('.closed')!.textContent).toContain('You ended the chat.');
    expect(s.$('form.rate')).not.toBeNull();
  });

  it('does not ask for a rating of a chat no operator ever joined, whoever ended it, also on resume', async () => {
    const s = mount();
    const t = await startChat(s);
    s.$<HTMLButtonElement>('button.leave')!.click();
    await t.answer('LeaveSession', { closeSession: givenSession({ status: 'CLOSED', queuePosition: null }) });
    expect(s.$('.closed')!.textContent).toContain('You ended the chat.');
    expect(s.$('.closed')!.textContent).not.toContain('How was this chat?');
    expect(s.$('form.rate')).toBeNull();
    expect(s.$('.closed button.new-chat')).not.toBeNull();
    s.$<HTMLButtonElement>('.closed button.new-chat')!.click();
    expect(s.$('.composer')!.hidden).toBe(false);

    document.body.replaceChildren();
    localStorage.clear();
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const again = mount();
    const t2 = again.net.authed()!;
    t2.setState('online');
    const closed = givenSession({ status: 'CLOSED', resolution: 'Spam', queuePosition: null, operator: null });
    await t2.answer('LatestSession', { mySessions: { nodes: [closed] } });
    await t2.answer('SessionMessages', { session: { ...closed, messages: [givenMessage(1, { senderRole: 'VISITOR', senderName: null })] } });
    expect(again.$('.closed')!.hidden).toBe(false);
    expect(again.$('form.rate')).toBeNull();
  });

  it('finds a closed chat on resume and asks for the rating it still lacks', async () => {
    localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token: 'token-1', sessionId: 'session-1', sessionOpen: true }));
    const s = mount();
    const t = s.net.authed()!;
    t.setState('online');
    const closed = givenSession({ status: 'CLOSED', resolution: 'Done', queuePosition: null, operator: { name: 'Anna' } });
    await t.answer('LatestSession', { mySessions: { nodes: [closed] } });
    await t.answer('SessionMessages', { session: { ...closed, messages: [givenMessage(1), givenMessage(2, { senderRole: 'SYSTEM', senderName: null, content: 'Chat closed: Done' })] } });
    expect(s.$('form.rate')).not.toBeNull();
    expect(lines(s)).toEqual(['message 1', 'Chat closed: Done']);
    expect(t.events()).toBeUndefined();
  });

  it('marks messages the API refused because the chat was closed', async () => {
    const s = mount();
    const t = await startChat(s);
    typeAndSend(s, 'too late');
    await t.fail('SendMessage', ErrorCode.SESSION_CLOSED);
    expect(statusOf(s, 'too late')).toBe('Not sent: the chat is closed');
  });
});

describe('point 7: languages, keyboard and screen readers', () => {
  it('speaks Russian when the locale is ru', async () => {
    const s = mount({ config: { locale: 'ru' } });
    expect(s.$('.title')!.textContent).toBe('Напишите нам');
    expect(s.$('form.prechat button')!.textContent).toBe('Начать чат');
    const t = await startChat(s);
    await t.push({ __typename: 'QueuePositionChanged', position: 2, estimatedWaitSeconds: 180, operatorsOnline: 1 });
    expect(s.$('.queue')!.textContent).toBe('Ваше место в очереди: 2.Примерное ожидание: около 3 мин.');
    await t.push(messageCreated(givenMessage(2, { senderRole: 'SYSTEM', senderName: null, content: 'Anna joined the chat' })));
    expect(lines(s)).toContain('Anna присоединился(лась) к чату');
  });

  it('sends with Enter, makes a new line with Shift+Enter, closes with Escape', async () => {
    const s = mount({ config: { prechat: 'off' } });
    const box = s.$<HTMLTextAreaElement>('.composer textarea')!;
    box.value = 'line one';
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true }));
    expect(lines(s)).toEqual([]);
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(lines(s)).toEqual(['line one']);
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(s.host.requestClose).toHaveBeenCalled();
    await flush();
  });

  it('labels its parts for assistive technology and moves focus into the panel on open', () => {
    const s = mount();
    expect(s.$('section.chat')!.getAttribute('role')).toBe('dialog');
    expect(s.$('section.chat')!.getAttribute('aria-labelledby')).toBe('parley-title');
    expect(s.$('.log')!.getAttribute('role')).toBe('log');
    expect(s.$('.composer textarea')!.getAttribute('aria-label')).toBe('Message');
    expect(s.$('button.send')!.getAttribute('aria-label')).toBe('Send');
    expect(s.$('button.close')!.getAttribute('aria-label')).toBe('Close chat');
    s.chat.opened();
    expect(s.host.root.activeElement).toBe(s.$('input[name=name]'));
  });
});

describe('point 8: text, never HTML', () => {
  it('renders what the operator and the visitor typed as text', async () => {
    const s = mount();
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    const t = await startChat(s, evil);
    await t.push(messageCreated(givenMessage(2, { content: '<script>window.__pwned=2</script><i>hi</i>', senderName: '<em>Eve</em>' })));
    await t.push({ __typename: 'SessionClosed', resolution: '<u>done</u>', closedBy: 'OPERATOR' });
    expect(lines(s)).toEqual([evil, '<script>window.__pwned=2</script><i>hi</i>']);
    expect(s.$$('.log img, .log b, .log script, .log i, .log em, .closed u')).toEqual([]);
    expect(s.$('.who')!.textContent).toBe('<em>Eve</em>');
    expect(s.$('.closed .resolution')!.textContent).toBe('Resolution: <u>done</u>');
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});

describe('renewing a guest token past half its lifetime', () => {
  const DAY_S = 24 * 3600;
  /** A JWT-shaped token issued `ageDays` ago for 30 days (the signature is the API's business). */
  const tokenAged = (ageDays: number, name: string) => {
    const iat = Math.floor(Date.now() / 1000) - ageDays * DAY_S;
    const payload = Buffer.from(JSON.stringify({ sub: 'visitor-1', typ: 'v', iat, exp: iat + 30 * DAY_S })).toString('base64url');
    return `eyJhbGciOiJIUzI1NiJ9.${payload}.${name}`;
  };
  const store = (token: string) => localStorage.setItem(`parley:${BASE_URL}`, JSON.stringify({ token, sessionId: 'session-1', sessionOpen: true }));
  const stored = () => JSON.parse(localStorage.getItem(`parley:${BASE_URL}`)!).token;
  afterEach(() => jest.useRealTimers());

  it('tells a token past half its lifetime by its own iat and exp', () => {
    expect(halfSpent(tokenAged(16, 'a'))).toBe(true);
    expect(halfSpent(tokenAged(14, 'a'))).toBe(false);
    expect(halfSpent(tokenAged(31, 'a'))).toBe(false); // past its end: the API would not renew it
    expect(halfSpent('token-1')).toBe(false);
    expect(halfSpent('a.%%%.b')).toBe(false);
  });

  it('exchanges it before connecting, stores the fresh one and connects with it; a message written meanwhile waits for it', async () => {
    const old = tokenAged(20, 'old');
    store(old);
    const s = mount();
    const renewal = await until(() => s.net.made[0]?.pending('RenewVisitorToken')[0], 'a RenewVisitorToken request');
    expect(s.net.made[0].token).toBe(old);
    typeAndSend(s, 'still there?');
    await flush();
    expect(s.net.made.filter((t) => !t.token)).toHaveLength(0); // no new visitor created meanwhile
    const fresh = tokenAged(0, 'fresh');
    renewal.resolve({ renewVisitorToken: { token: fresh } });
    const t = await until(() => s.net.made.find((m) => m.token === fresh), 'a transport with the fresh token');
    expect(s.net.made[0].disposed).toBe(true);
    expect(stored()).toBe(fresh);
    await resumed(s, givenSession({ status: 'ACTIVE', operator: { name: 'Anna' } }));
    expect(s.net.made.map((m) => m.token)).toEqual([old, fresh]);
    await until(() => t.pending('SendMessage')[0], 'the message sent on the fresh connection');
  });

  it('connects with the stored token when the renewal fails', async () => {
    const old = tokenAged(20, 'old');
    store(old);
    const s = mount();
    await s.net.made[0].fail('RenewVisitorToken', undefined, 'socket closed');
    await until(() => s.net.made[1], 'the chat transport');
    expect(s.net.made[1].token).toBe(old);
    expect(stored()).toBe(old);
  });

  it('connects with the stored token when the renewal gets no answer within RENEW_WAIT_MS', async () => {
    jest.useFakeTimers();
    const old = tokenAged(20, 'old');
    store(old);
    const s = mount();
    await settle();
    expect(s.net.made[0].pending('RenewVisitorToken')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(RENEW_WAIT_MS - 1);
    expect(s.net.made).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(s.net.made.map((m) => m.token)).toEqual([old, old]);
    expect(s.net.made[0].disposed).toBe(true);
  });

  it('stops waiting at once when the API refuses the renewal socket, and connects with the stored token', async () => {
    jest.useFakeTimers();
    const old = tokenAged(20, 'old');
    store(old);
    const s = mount();
    await settle();
    s.net.made[0].refuse();
    await settle();
    expect(s.net.made.map((m) => m.token)).toEqual([old, old]);
    expect(s.net.made[0].disposed).toBe(true);
  });

  it('a reset while the renewal is in flight closes its socket and connects nothing for the previous visitor', async () => {
    jest.useFakeTimers();
    store(tokenAged(20, 'old'));
    const s = mount();
    await settle();
    s.chat.destroy();
    await settle();
    expect(s.net.made).toHaveLength(1);
    expect(s.net.made[0].disposed).toBe(true);
    await jest.advanceTimersByTimeAsync(RENEW_WAIT_MS);
    expect(s.net.made).toHaveLength(1);
  });

  it('does not renew a token within the first half of its lifetime', async () => {
    const young = tokenAged(10, 'young');
    store(young);
    const s = mount();
    await resumed(s);
    expect(s.net.made.map((m) => m.token)).toEqual([young]);
    expect(s.net.made[0].pending('RenewVisitorToken')).toHaveLength(0);
  });
});
