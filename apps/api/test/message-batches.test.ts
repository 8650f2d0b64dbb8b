import { Client } from 'pg';
import type { SqlRunner } from '../src/messages/message-store';
import { MessageWriter } from '../src/messages/message-writer';
import { errorCode, gql, gqlOk, type GqlResult } from './support/api-client';
import { CLOSE_SESSION, SEND_MESSAGE } from './support/operations';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';

/** The message writer's batched statement (`appendSentMessages`). */
const BATCH = 'parley_append_sent_messages';
/** A visitor's message in a statement of its own (`appendMessage`). */
const ALONE = 'parley_append_message_by_visitor_id';

describe('message batches (MessageWriter.append)', () => {
  let api: TestApi;
  let writer: MessageWriter;
  /** Every statement the writer ran: its name and parameters. */
  let statements: Array<{ name: string; params: unknown[] }>;
  /** While set, statements wait for it before they run. */
  let gate: Promise<void> | undefined;
  let openGate: (() => void) | undefined;
  const closeGate = () => {
    gate = new Promise((resolve) => (openGate = resolve));
  };

  beforeAll(async () => {
    // Two connections: two statements at a time, so what waits, waits for the batching rules alone.
    api = await startTestApi({ MESSAGE_WRITER_CONNECTIONS: '2' });
    writer = api.app.get(MessageWriter);
    const run = writer.run;
    const held: SqlRunner = async <Row>(name: string, text: string, params: unknown[]) => {
      statements.push({ name, params });
      await gate;
      return run<Row>(name, text, params);
    };
    (writer as { run: SqlRunner }).run = held;
  });
  afterAll(() => api.close());

  beforeEach(() => {
    statements = [];
    gate = undefined;
  });
  afterEach(() => openGate?.());

  /** Messages waiting in the writer for a statement. */
  const waitingInWriter = () => (writer as unknown as { pending: unknown[] }).pending.length;

  const send = (session: { sessionId: string; visitor: { token: string } }, content: string, clientMessageId = content.replace(/ /g, '-')): Promise<GqlResult> =>
    gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId: session.sessionId, content, clientMessageId } }, session.visitor.token);

  /** Starts two messages, one after the other (together they would share a statement), and waits until their statements hold both connections. */
  async function holdBothConnections(): Promise<Array<Promise<GqlResult>>> {
    const holding = await Promise.all([givenActiveSession(api), givenActiveSession(api)]);
    statements = [];
    closeGate();
    const answers: Array<Promise<GqlResult>> = [];
    for (const [i, session] of holding.entries()) {
      answers.push(send(session, `holding-${i}`));
      await eventually(() => statements.length === i + 1, `statement ${i + 1} holding a connection`);
    }
    return answers;
  }

  it('writes the messages that came while every connection was busy in one statement', async () => {
    const sessions = await Promise.all(Array.from({ length: 5 }, () => givenActiveSession(api)));
    const holding = await holdBothConnections();
    const answers = sessions.map((s, i) => send(s, `queued-${i}`));
    await eventually(() => waitingInWriter() === 5, 'five messages waiting in the writer');
    openGate!();

    const results = await Promise.all([...holding, ...answers]);
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(statements.map((s) => s.name)).toEqual([ALONE, ALONE, BATCH]);
    expect(statements[2].params[1]).toEqual(sessions.map((s) => s.sessionId)); // in the order they came
    // Each took its own session's next seq: the visitor's first line and OPERATOR_JOINED are 1 and 2.
    expect(results.slice(2).map((r) => r.data!.sendMessage.seq)).toEqual([3, 3, 3, 3, 3]);
  });

  it("keeps one session's messages in the order they came: the second waits for the first's statement, though a connection is free", async () => {
    const session = await givenActiveSession(api);
    closeGate();
    const first = send(session, 'first');
    await eventually(() => statements.length === 1, "the first message's statement");
    const second = send(session, 'second');
    await eventually(() => waitingInWriter() === 1, 'the second message waiting in the writer');
    await new Promise((resolve) => setImmediate(resolve));
    expect(statements).toHaveLength(1); // not started on the free connection
    openGate!();

    expect((await first).data!.sendMessage.seq).toBe(3);
    expect((await second).data!.sendMessage.seq).toBe(4);
  });

  it('answers each message of a batch for itself: a closed session or a stranger gets its error, the others are stored', async () => {
    const [open, closed, other] = await Promise.all([givenActiveSession(api), givenActiveSession(api), givenActiveSession(api)]);
    await gqlOk(api.httpUrl, CLOSE_SESSION, { id: closed.sessionId, resolution: 'Done' }, closed.operator.token);
    const holding = await holdBothConnections();
    const stored = send(open, 'stored');
    const late = send(closed, 'too late');
    // `other`'s visitor writing into `open`'s session
    const stranger = gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId: open.sessionId, content: 'not mine', clientMessageId: 's-1' } }, other.visitor.token);
    await eventually(() => waitingInWriter() === 3, 'three messages waiting in the writer');
    openGate!();

    await Promise.all(holding);
    expect((await stored).data!.sendMessage.seq).toBe(3);
    expect(errorCode(await late)).toBe('SESSION_CLOSED');
    expect(errorCode(await stranger)).toBe('FORBIDDEN');
    // One batch for `open` and `closed`; `closed`'s, not stored there, alone after it, as the stranger's
    // (into `open` too, so after the batch).
    expect(statements[2]).toMatchObject({ name: BATCH, params: expect.arrayContaining([[open.sessionId, closed.sessionId]]) });
    expect(statements.slice(3).map((s) => s.params[0]).sort()).toEqual([closed.sessionId, open.sessionId].sort());
    expect(statements.slice(3).map((s) => s.name)).toEqual([ALONE, ALONE]);
    const next = await send(open, 'next');
    expect(next.data!.sendMessage.seq).toBe(4); // nothing else spent a seq in `open`
  });

  it('writes each message alone when its batch fails on a retried clientMessageId: the retry gets the stored message, the others are stored, no seq is spent', async () => {
    const [a, b, c] = await Promise.all([givenActiveSession(api), givenActiveSession(api), givenActiveSession(api)]);
    const delivered = (await send(b, 'delivered', 'b-1')).data!.sendMessage;
    const holding = await holdBothConnections();
    const answers = [send(a, 'new in a'), send(b, 'delivered', 'b-1'), send(c, 'new in c')];
    await eventually(() => waitingInWriter() === 3, 'three messages waiting in the writer');
    openGate!();

    await Promise.all(holding);
    const [inA, retry, inC] = await Promise.all(answers);
    expect(retry.data!.sendMessage).toEqual(delivered);
    expect(inA.data!.sendMessage.seq).toBe(3);
    expect(inC.data!.sendMessage.seq).toBe(3);
    expect(statements.slice(2).map((s) => s.name)).toEqual([BATCH, ALONE, ALONE, ALONE]);
    expect((await send(b, 'after the retry')).data!.sendMessage.seq).toBe(delivered.seq + 1);
  });

  it("passes over a session whose row another transaction holds: the batch's other messages are stored meanwhile, that one once the row is free", async () => {
    const [held, free1, free2] = await Promise.all([givenActiveSession(api), givenActiveSession(api), givenActiveSession(api)]);
    const locker = new Client({ connectionString: api.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM chat_session WHERE id = $1 FOR UPDATE', [held.sessionId]);
      const holding = await holdBothConnections();
      const answers = [send(free1, 'free-1'), send(held, 'held'), send(free2, 'free-2')];
      await eventually(() => waitingInWriter() === 3, 'three messages waiting in the writer');
      openGate!();
      await Promise.all(holding);
      // Stored while the row is still held.
      expect((await answers[0]).data!.sendMessage.seq).toBe(3);
      expect((await answers[2]).data!.sendMessage.seq).toBe(3);
      expect(statements.slice(2).map((s) => s.name)).toEqual([BATCH, ALONE]); // `held`'s, alone, waits for the row
      await locker.query('COMMIT');
      expect((await answers[1]).data!.sendMessage.seq).toBe(3);
    } finally {
      await locker.end();
    }
  });
});
