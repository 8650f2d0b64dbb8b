// Fault 4: PostgreSQL is restarted during a conversation. Mutations fail with a clear, retryable error
// while it is down, nothing half-written remains, and the clients' retries succeed afterwards.
import { Client } from 'pg';
import { gql, gqlOk, GqlResult, wsClient, wsExecute } from './support/api-client';
import { ChatParticipant } from './support/chat-participant';
import { expectEveryoneGotEverything, talkThrough } from './support/conversation';
import {
  expectStoredExactlyOnce,
  FaultDeployment,
  signInOperator,
  startFaultDeployment,
  visitorWithSession,
  waitingQueue,
} from './support/fault-deployment';
import { ACCEPT_SESSION, SEND_MESSAGE, START_SESSION } from './support/operations';
import { seededRandom } from './support/seeded-random';

jest.setTimeout(120_000);

const OUTAGE_MS = 2500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault: PostgreSQL restarted during a conversation', () => {
  let deployment: FaultDeployment;
  let db: Client | undefined;
  const participants: ChatParticipant[] = [];

  beforeAll(async () => {
    deployment = await startFaultDeployment();
  });
  afterAll(async () => {
    await Promise.all(participants.map((p) => p.stop()));
    await db?.end().catch(() => undefined);
    await deployment?.dispose();
  });

  it('answers SERVICE_UNAVAILABLE (retryable) while it is down, then the same requests succeed once', async () => {
    const api = deployment.apis[0];
    const random = seededRandom(4);
    const operatorToken = await signInOperator(api.url, deployment.operator);
    const conversation = await visitorWithSession(api.url, 'visitor');
    for (const name of ['bystander-1', 'bystander-2']) await visitorWithSession(api.url, name);
    await gqlOk(api.url, ACCEPT_SESSION, { id: conversation.sessionId }, operatorToken);
    const queueBefore = await waitingQueue(api.url, operatorToken);
    // A visitor who will try to open a chat (with a first message) while PostgreSQL is down.
    const latecomer = await gqlOk(api.url, 'mutation { createVisitor(input: { name: "latecomer" }) { token } }');
    const latecomerToken = latecomer.createVisitor.token as string;

    const { sessionId } = conversation;
    const visitor = new ChatParticipant('visitor', { urls: [api.wsUrl], token: conversation.token, sessionId }).start();
    const operator = new ChatParticipant('operator', { urls: [api.wsUrl], token: operatorToken, sessionId }).start();
    participants.push(visitor, operator);
    await Promise.all([visitor.waitForSeq(2), operator.waitForSeq(2)]);

    const during: Record<string, GqlResult> = {};
    const sent = await talkThrough(
      [visitor, operator],
      async () => {
        await Promise.all([visitor.waitForSeq(10), operator.waitForSeq(10)]);
        await deployment.pg.stop('fast'); // ends every session, like a restart or a failover
        const probe = { sessionId, content: 'sent while the database is down', clientMessageId: 'probe-1' };
        during.sendMessage = await gql(api.url, SEND_MESSAGE, { input: probe }, conversation.token);
        during.startSession = await gql(api.url, START_SESSION, { input: { content: 'Hello?', clientMessageId: 'late-1' } }, latecomerToken);
        during.waitingSessions = await gql(api.url, '{ waitingSessions { id } }', {}, operatorToken);
        await sleep(OUTAGE_MS);
        await deployment.pg.start();
      },
      { random: random.next, after: 5, pauseMs: 50 },
    );

    // A clear, retryable error, the same for every operation, with nothing internal in it.
    for (const [operation, result] of Object.entries(during)) {
      expect({ operation, data: result.data ?? null, errors: result.errors?.map((e) => ({ code: e.extensions?.code, retryable: e.extensions?.retryable })) }).toEqual({
        operation,
        data: null,
        errors: [{ code: 'SERVICE_UNAVAILABLE', retryable: true }],
      });
      expect(result.errors![0].message).not.toMatch(/ECONNREFUSED|5432|terminat|postgres/i);
    }
    // The participants met the same error while sending, and got past it by retrying.
    const codes = [...visitor.errorCodes, ...operator.errorCodes];
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((code) => code !== 'SERVICE_UNAVAILABLE')).toEqual([]);

    // Retried afterwards, the refused requests succeed, exactly once.
    const probe = await gqlOk(api.url, SEND_MESSAGE, { input: { sessionId, content: 'sent while the database is down', clientMessageId: 'probe-1' } }, conversation.token);
    const again = await gqlOk(api.url, SEND_MESSAGE, { input: { sessionId, content: 'sent while the database is down', clientMessageId: 'probe-1' } }, conversation.token);
    expect(again.sendMessage).toEqual(probe.sendMessage);
    sent['probe-1'] = probe.sendMessage;
    const late = await gqlOk(api.url, START_SESSION, { input: { content: 'Hello?', clientMessageId: 'late-1' } }, latecomerToken);
    expect(late.startSession).toMatchObject({ status: 'WAITING', queuePosition: queueBefore.length + 1, lastSeq: 1 });

    const lastSeq = await expectEveryoneGotEverything([visitor, operator], sent);
    db = await deployment.db();
    expect(await expectStoredExactlyOnce(db, sessionId, Object.keys(sent))).toBe(lastSeq);
    // Nothing half-written anywhere: every session's counter matches its messages, seqs have no gaps,
    // no clientMessageId twice in a session, one open session per visitor.
    const broken = await db.query(`
      SELECT s.id, s.last_seq, count(m.id) AS messages, coalesce(max(m.seq), 0) AS max_seq
      FROM chat_session s LEFT JOIN message m ON m.session_id = s.id
      GROUP BY s.id, s.last_seq
      HAVING s.last_seq <> count(m.id) OR s.last_seq <> coalesce(max(m.seq), 0)`);
    expect(broken.rows).toEqual([]);
    const doubled = await db.query(
      'SELECT session_id, client_message_id FROM message WHERE client_message_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1',
    );
    expect(doubled.rows).toEqual([]);
    const latecomerSessions = await db.query("SELECT s.last_seq FROM chat_session s JOIN visitor v ON v.id = s.visitor_id WHERE v.name = 'latecomer'");
    expect(latecomerSessions.rows).toEqual([{ last_seq: 1 }]);

    // The queue is intact, with the latecomer at the back.
    expect(await waitingQueue(api.url, operatorToken)).toEqual([...queueBefore, { id: late.startSession.id, queuePosition: queueBefore.length + 1 }]);
  });

  it('tells an operator connecting while it is down to try again later (1013, retried by graphql-ws), then lets it in', async () => {
    const api = deployment.apis[0];
    // A new operator, only logged in (not signInOperator, whose setPresence would cache the status): its
    // account status is not in any instance's memory, so connecting must ask PostgreSQL.
    const { email, password } = await deployment.createOperator('Late Shift');
    const login = await gqlOk(api.url, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', { e: email, p: password });
    const token = login.loginOperator.accessToken as string;
    await db?.end(); // the first test's client would meet the stop as an unhandled error
    db = undefined;
    await deployment.pg.stop('fast');
    try {
      const refused = wsClient(api.wsUrl, token);
      try {
        await expect(wsExecute(refused, '{ __typename }')).rejects.toMatchObject({ code: 1013 });
      } finally {
        await refused.dispose();
      }
    } finally {
      await deployment.pg.start();
    }
    const admitted = wsClient(api.wsUrl, token);
    try {
      expect(await wsExecute(admitted, '{ me { email } }')).toEqual({ data: { me: { email } } });
    } finally {
      await admitted.dispose();
    }
  });
});
