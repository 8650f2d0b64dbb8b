import type { Client } from 'graphql-ws';
import type { SqlRunner } from '../src/messages/message-store';
import { MessageWriter } from '../src/messages/message-writer';
import { QueueService } from '../src/sessions/queue.service';
import { RateLimitService } from '../src/security/rate-limit.service';
import { SecurityError } from '../src/security/security.errors';
import { SessionsService } from '../src/sessions/sessions.service';
import { errorCode, gqlOk, wsClient, wsExecute, type GqlResult } from './support/api-client';
import { ACCEPT_SESSION, CLOSE_SESSION, SEND_MESSAGE, SESSION, START_SESSION } from './support/operations';
import { givenActiveSession, givenOperator, givenWaitingSession, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';

/**
 * A connection's mutations are applied in the order they were sent (`ArrivalOrder`), though graphql-ws runs a
 * socket's operations side by side and one may be held on its way longer than the next; messages wait for
 * earlier messages only until those reach the writer.
 */
describe('mutations sent back to back over one connection', () => {
  let api: TestApi;
  /** What happens to the next rate-limit checks, one entry per check, in the order they are made. */
  let plans: Array<{ hold: number; refuse?: boolean } | undefined>;
  /** The writer's statements' parameters, in the order they started. */
  let statements: unknown[][];
  /** While set, the writer's statements wait for it. */
  let gate: Promise<void> | undefined;
  let openGate = () => {};
  const sockets: Client[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    // Holds chosen messages before the writer: in the rate-limit guard, where a lease renewed over Redis holds them in production.
    const limits = api.app.get(RateLimitService);
    const consume = limits.consume.bind(limits);
    limits.consume = (actions, context) => {
      const plan = plans.shift();
      if (!plan) return consume(actions, context);
      return new Promise<void>((resolve) => setTimeout(resolve, plan.hold)).then(() => {
        if (plan.refuse) throw SecurityError.rateLimited('messages', 1);
        return consume(actions, context) ?? undefined;
      });
    };
    const writer = api.app.get(MessageWriter);
    const run = writer.run;
    (writer as { run: SqlRunner }).run = async <Row>(name: string, text: string, params: unknown[]) => {
      statements.push(params);
      await gate;
      return run<Row>(name, text, params);
    };
  });
  afterAll(() => api.close());

  beforeEach(() => {
    plans = [];
    statements = [];
    gate = undefined;
  });
  afterEach(async () => {
    openGate();
    for (const socket of sockets.splice(0)) await socket.dispose();
  });

  /** An open socket for `token` (the first operation waits for the connection, so the next ones are sent back to back). */
  async function connected(token: string): Promise<Client> {
    const socket = wsClient(api.wsUrl, token);
    sockets.push(socket);
    await wsExecute(socket, '{ __typename }');
    return socket;
  }

  const send = (socket: Client, sessionId: string, content: string): Promise<GqlResult> =>
    wsExecute(socket, SEND_MESSAGE, { input: { sessionId, content, clientMessageId: `m-${content.replace(/ /g, '-') || 'empty'}` } });

  it('stores them in the order they were sent while earlier ones are held longer', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const socket = await connected(visitor.token);
    plans = [{ hold: 150 }, undefined, { hold: 60 }, undefined, undefined];

    const contents = ['one', 'two', 'three', 'four', 'five'];
    const results = await Promise.all(contents.map((content) => send(socket, sessionId, content)));

    for (const result of results) expect(result.errors).toBeUndefined();
    // The visitor's first line and OPERATOR_JOINED took seqs 1 and 2.
    expect(results.map((r) => r.data!.sendMessage.seq)).toEqual([3, 4, 5, 6, 7]);
    const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, visitor.token);
    expect(history.session.messages.slice(2).map((m: { content: string }) => m.content)).toEqual(contents);
  });

  it('does not hold later messages for an earlier one refused before the writer (its input, a rate limit)', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const socket = await connected(visitor.token);
    plans = [{ hold: 100 }, undefined, { hold: 100, refuse: true }, undefined];

    const results = await Promise.all(['', 'two', 'three', 'four'].map((content) => send(socket, sessionId, content)));

    expect(results.map((r) => errorCode(r) ?? r.data!.sendMessage.seq)).toEqual(['BAD_USER_INPUT', 3, 'RATE_LIMITED', 4]);
  });

  it('holds a message only until the earlier ones have reached the writer, not while their statements run', async () => {
    // One operator writing into two chat sessions over one console connection.
    const [first, second] = await Promise.all([givenWaitingSession(api, 'Hello'), givenWaitingSession(api, 'Hi')]);
    const operator = await givenOperator(api, { online: true });
    for (const { sessionId } of [first, second]) await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, operator.token);
    const socket = await connected(operator.token);
    statements = [];
    gate = new Promise((resolve) => (openGate = resolve));

    // Sent together they would share a statement: the second goes once the first's statement holds a connection.
    const answers = [send(socket, first.sessionId, 'to the first')];
    await eventually(() => statements.length === 1, "the first message's statement held");
    answers.push(send(socket, second.sessionId, 'to the second'));
    await eventually(() => statements.length === 2, "the second message's statement started while the first one's is held");
    expect(statements.map((params) => params[0])).toEqual([first.sessionId, second.sessionId]);
    openGate();
    for (const result of await Promise.all(answers)) expect(result.errors).toBeUndefined();
  });

  /** Makes the next call of `method` on the sessions service take `ms` longer, as a slow transaction would. */
  function slowNext(method: 'acceptSession' | 'startSession', ms: number): void {
    const sessions = api.app.get<SessionsService, Record<string, (...args: unknown[]) => Promise<unknown>>>(SessionsService);
    const original = sessions[method];
    sessions[method] = async (...args: unknown[]) => {
      sessions[method] = original;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return original.apply(api.app.get(SessionsService), args);
    };
  }

  /** The contents of a chat session's messages after its first `skip`, in seq order. */
  async function contentsAfter(sessionId: string, token: string, skip: number): Promise<string[]> {
    const history = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, token);
    return history.session.messages.slice(skip).map((m: { content: string }) => m.content);
  }

  it("writes an operator's messages sent right after acceptSession into the accepted chat, in order", async () => {
    const { visitor, sessionId } = await givenWaitingSession(api, 'Hello');
    const operator = await givenOperator(api, { online: true });
    const socket = await connected(operator.token);
    slowNext('acceptSession', 100);

    const accepted = wsExecute(socket, ACCEPT_SESSION, { id: sessionId });
    const results = await Promise.all(['hi', 'how', 'can', 'I help'].map((content) => send(socket, sessionId, content)));

    expect((await accepted).errors).toBeUndefined();
    expect(results.map((r) => errorCode(r) ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok']);
    // The visitor's first line and OPERATOR_JOINED come first.
    expect(await contentsAfter(sessionId, visitor.token, 2)).toEqual(['hi', 'how', 'can', 'I help']);
  });

  it("starts an operator's next acceptSession once the previous one is committed, not once it has answered", async () => {
    const first = await givenWaitingSession(api, 'First in line');
    const second = await givenWaitingSession(api, 'Second in line');
    const operator = await givenOperator(api, { online: true });
    const socket = await connected(operator.token);
    // Holds what the first accept still does after its commit before it answers: reading the chat back (its
    // events and the queue broadcast, which under churn take long, bench (e), go out in the background).
    const queue = api.app.get(QueueService);
    const toModel = queue.toModel.bind(queue);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    queue.toModel = (session) => (session.id === first.sessionId ? held.then(() => toModel(session)) : toModel(session));
    try {
      const accepts = [first, second].map(({ sessionId }) => wsExecute(socket, ACCEPT_SESSION, { id: sessionId }));
      // The second is accepted (committed) while the first is still held.
      await eventually(async () => (await gqlOk(api.httpUrl, SESSION, { id: second.sessionId }, operator.token)).session.status === 'ACTIVE', 'the second accept committed');
      release();
      for (const result of await Promise.all(accepts)) expect(result.errors).toBeUndefined();
    } finally {
      release();
      queue.toModel = toModel;
    }
  });

  it("stores startSession's message before a sendMessage sent right after it", async () => {
    const { visitor, sessionId } = await givenWaitingSession(api, 'First');
    const socket = await connected(visitor.token);
    slowNext('startSession', 100);

    // startSession on an open chat session appends its content to it.
    const [started, sent] = await Promise.all([
      wsExecute(socket, START_SESSION, { input: { content: 'second, via startSession', clientMessageId: 'via-start' } }),
      send(socket, sessionId, 'third'),
    ]);

    expect([started.errors, sent.errors]).toEqual([undefined, undefined]);
    expect(await contentsAfter(sessionId, visitor.token, 1)).toEqual(['second, via startSession', 'third']);
  });

  it('hands a mutation with two sendMessage fields to the writer whole before the next message', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const socket = await connected(visitor.token);
    gate = new Promise((resolve) => (openGate = resolve));

    // GraphQL runs a mutation's fields one after the other: the second starts once the first's statement has answered.
    const two = `mutation($s: ID!) {
      a: sendMessage(input: { sessionId: $s, content: "A1", clientMessageId: "a1" }) { seq }
      b: sendMessage(input: { sessionId: $s, content: "A2", clientMessageId: "a2" }) { seq }
    }`;
    const both = wsExecute(socket, two, { s: sessionId });
    await eventually(() => statements.length === 1, "the first field's statement held");
    const after = send(socket, sessionId, 'B');
    // Room for B to reach the writer ahead of A2 if it did not wait for the whole mutation.
    await new Promise((resolve) => setTimeout(resolve, 200));
    openGate();

    expect([(await both).errors, (await after).errors]).toEqual([undefined, undefined]);
    expect(await contentsAfter(sessionId, visitor.token, 2)).toEqual(['A1', 'A2', 'B']);
  });

  it('closes a chat session only after the message sent before closeSession is stored', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const socket = await connected(visitor.token);
    gate = new Promise((resolve) => (openGate = resolve));

    const sent = send(socket, sessionId, 'last words');
    await eventually(() => statements.length === 1, "the message's statement held");
    const closed = wsExecute(socket, CLOSE_SESSION, { id: sessionId });
    // Room for closeSession to commit first if it did not wait for the message (it then refuses it SESSION_CLOSED).
    await new Promise((resolve) => setTimeout(resolve, 300));
    openGate();

    const [message, close] = await Promise.all([sent, closed]);
    expect([message.errors, close.errors]).toEqual([undefined, undefined]);
    expect((await contentsAfter(sessionId, visitor.token, 2))[0]).toBe('last words');
  });
});
