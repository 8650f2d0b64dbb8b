// Point 6: graceful shutdown on SIGTERM. The instance stops accepting, finishes the mutations and the
// notification job in flight, closes WebSockets with 1001 (clients reconnect to another instance and
// catch up), and exits 0. What arrives meanwhile is answered SERVICE_UNAVAILABLE, retryable.
import { Queue } from 'bullmq';
import { once } from 'node:events';
import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { Client } from 'pg';
import { GracefulShutdown } from '../src/lifecycle/graceful-shutdown.service';
import { SHUTDOWN_CLOSE_CODE } from '../src/realtime/graphql-ws-server';
import { gql, gqlOk, wsClient, wsExecute } from './support/api-client';
import { ApiChild } from './support/api-process';
import { ChatParticipant, ReceivedMessage } from './support/chat-participant';
import { expectEveryoneGotEverything } from './support/conversation';
import { expectStoredExactlyOnce, FaultDeployment, signInOperator, startFaultDeployment, visitorWithSession } from './support/fault-deployment';
import { queryServer, TEST_DATABASE_URL } from './support/global-setup';
import { ACCEPT_SESSION, SEND_MESSAGE } from './support/operations';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a new TCP connection to the API's port is refused (the server stopped listening). */
function refusesConnections(api: ApiChild): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(api.url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Resolves with the exit code once the process has exited. */
function exitCodeOf(api: ApiChild): Promise<number | null> {
  if (api.child.exitCode !== null || api.child.signalCode !== null) return Promise.resolve(api.child.exitCode);
  return new Promise((resolve) => api.child.once('exit', (code) => resolve(code)));
}

const running = (api: ApiChild) => api.child.exitCode === null && api.child.signalCode === null;

describe('graceful shutdown on SIGTERM', () => {
  let deployment: FaultDeployment;
  let db: Client;
  const participants: ChatParticipant[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    deployment = await startFaultDeployment();
    db = await deployment.db();
  });
  afterAll(async () => {
    await Promise.all(participants.map((p) => p.stop()));
    await db?.end();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await deployment?.dispose();
  });

  it('finishes the notification job in hand before exiting', async () => {
    // A Telegram Bot API that holds every request until the test lets it answer.
    const held: Array<{ body: string; answer: () => void }> = [];
    const telegram = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => held.push({ body, answer: () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{}}') }));
    });
    servers.push(telegram);
    await new Promise<void>((resolve) => telegram.listen(0, '127.0.0.1', resolve));
    const notifying = await deployment.startApi({
      TELEGRAM_BOT_TOKEN: '123456:shutdown-test',
      TELEGRAM_CHAT_IDS: '-1001',
      TELEGRAM_API_URL: `http://127.0.0.1:${(telegram.address() as { port: number }).port}`,
    });

    // No operator is online: the new chat session is announced at once, and the worker is mid-send.
    const { sessionId } = await visitorWithSession(notifying.url, 'night-owl');
    await eventually(() => held.length === 1, 'the worker calls Telegram');
    expect(held[0].body).toContain('night-owl');

    notifying.child.kill('SIGTERM');
    await eventually(() => refusesConnections(notifying), 'the instance stops accepting connections');
    await sleep(300);
    expect(running(notifying)).toBe(true); // still finishing the job
    held[0].answer();
    expect(await exitCodeOf(notifying)).toBe(0);

    const queue = new Queue('notifications', { connection: { url: deployment.redis.url }, prefix: `${deployment.env.REDIS_PREFIX}:bull` });
    try {
      const jobs = (await queue.getJobs(['completed', 'active', 'failed', 'wait'])).filter((job) => job.data.sessionId === sessionId && job.name === 'new-session');
      expect(await Promise.all(jobs.map(async (job) => [await job.getState(), job.returnvalue]))).toEqual([['completed', 'delivered']]);
    } finally {
      await queue.close();
    }
    expect(held).toHaveLength(1); // sent once: not retried by anyone
  });

  it('finishes mutations in flight, closes sockets with 1001, exits 0; clients resume on another instance', async () => {
    const stopping = await deployment.startApi();
    const staying = deployment.apis[0];
    const operatorToken = await signInOperator(stopping.url, deployment.operator);
    const conversation = await visitorWithSession(stopping.url, 'visitor');
    await gqlOk(stopping.url, ACCEPT_SESSION, { id: conversation.sessionId }, operatorToken);
    const { sessionId } = conversation;
    // Both on the instance about to stop; their next connection goes to the other one.
    const visitor = new ChatParticipant('visitor', { urls: [stopping.wsUrl, staying.wsUrl], token: conversation.token, sessionId }).start();
    const operator = new ChatParticipant('operator', { urls: [stopping.wsUrl, staying.wsUrl], token: operatorToken, sessionId }).start();
    participants.push(visitor, operator);
    await Promise.all([visitor.waitForSeq(2), operator.waitForSeq(2)]);

    // The operator's second chat: its message is written apart from the visitor's (one session's messages
    // are written one after the other, so a second message into the held session would wait in the API).
    const second = await visitorWithSession(stopping.url, 'second-visitor');
    await gqlOk(stopping.url, ACCEPT_SESSION, { id: second.sessionId }, operatorToken);

    // Hold both session rows (from another connection): the next two messages stop inside their statements, in flight.
    const lock = await deployment.db();
    await lock.query('BEGIN');
    await lock.query('SELECT id FROM chat_session WHERE id = ANY($1::uuid[]) FOR UPDATE', [[sessionId, second.sessionId]]);
    const sent: Record<string, ReceivedMessage> = {};
    const waitingForLock = (count: number) => async () =>
      (await db.query("SELECT pid FROM pg_stat_activity WHERE datname = 'parley' AND wait_event_type = 'Lock'")).rowCount === count;
    const overWebSocket = visitor.send('sent over the WebSocket just before SIGTERM', 'visitor-in-flight');
    await eventually(waitingForLock(1), 'the first message waits for its row lock');
    // Sent once the first is in its statement: two statements, not one batch.
    const overHttp = gql(
      stopping.url,
      SEND_MESSAGE,
      { input: { sessionId: second.sessionId, content: 'sent over HTTP just before SIGTERM', clientMessageId: 'operator-in-flight' } },
      operatorToken,
    );
    await eventually(waitingForLock(2), 'both messages wait for a row lock');

    stopping.child.kill('SIGTERM');
    await eventually(() => refusesConnections(stopping), 'the instance stops accepting connections');
    // A socket with nothing in flight is closed at once with 1001; its client reconnects elsewhere.
    await eventually(() => operator.closeCodes.includes(SHUTDOWN_CLOSE_CODE), 'the operator’s idle socket is closed');
    await sleep(300);
    expect(running(stopping)).toBe(true); // waiting for the two mutations
    expect(visitor.closeCodes).toEqual([]); // its mutation's answer is still owed

    await lock.query('COMMIT');
    await lock.end();
    const http = await overHttp;
    expect(http.errors).toBeUndefined();
    expect(await expectStoredExactlyOnce(db, second.sessionId, ['second-visitor-0', 'operator-in-flight'])).toBe(3); // with OPERATOR_JOINED
    sent['visitor-in-flight'] = await overWebSocket;
    expect(visitor.retried.has('visitor-in-flight')).toBe(false); // answered on the first attempt
    expect(await exitCodeOf(stopping)).toBe(0);
    expect(visitor.closeCodes).toEqual([SHUTDOWN_CLOSE_CODE]);
    expect(operator.closeCodes[0]).toBe(SHUTDOWN_CLOSE_CODE);

    // The conversation goes on through the other instance, nothing lost or doubled.
    for (let i = 1; i <= 3; i++) {
      sent[`visitor-${i}`] = await visitor.send(`visitor after the restart ${i}`, `visitor-${i}`);
      sent[`operator-${i}`] = await operator.send(`operator after the restart ${i}`, `operator-${i}`);
    }
    const lastSeq = await expectEveryoneGotEverything([visitor, operator], sent);
    expect(visitor.subscriptions).toBeGreaterThanOrEqual(2);
    expect(await expectStoredExactlyOnce(db, sessionId, Object.keys(sent))).toBe(lastSeq);
    expect(stopping.output()).not.toMatch(/"level":50|ERROR/);
  });
});

describe('graceful shutdown: what arrives while in-flight work finishes', () => {
  /** An HTTP connection to `api` that has sent part of a request's head: a connection the drain does not close as idle. */
  async function halfSentRequest(api: TestApi): Promise<Socket> {
    const socket = connect(Number(new URL(api.httpUrl).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n');
    return socket;
  }

  /** Sends the rest of the request begun by {@link halfSentRequest}; resolves with the response's head and body once the server closes. */
  function finishRequest(socket: Socket, body: string): Promise<{ head: string; body: string }> {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.write(`content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return once(socket, 'close').then(() => {
      const [head, ...rest] = text.split('\r\n\r\n');
      return { head, body: rest.join('\r\n\r\n') };
    });
  }

  it('answers SERVICE_UNAVAILABLE (retryable): an HTTP request with 503, a new operation on an open WebSocket', async () => {
    const api = await startTestApi();
    const lock = new Client({ connectionString: TEST_DATABASE_URL });
    await lock.connect();
    const sockets: Socket[] = [];
    const { visitor, sessionId } = await givenActiveSession(api);
    const visitorWs = wsClient(api.wsUrl, visitor.token);
    try {
      // A message held in its INSERT by a row lock keeps the drain waiting, and the visitor's socket open.
      await lock.query('BEGIN');
      await lock.query('SELECT id FROM chat_session WHERE id = $1 FOR UPDATE', [sessionId]);
      const inFlight = wsExecute(visitorWs, SEND_MESSAGE, { input: { sessionId, content: 'in flight', clientMessageId: 'in-flight' } });
      const database = new URL(TEST_DATABASE_URL).pathname.slice(1);
      await eventually(
        async () => (await queryServer(TEST_DATABASE_URL, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database])).length === 1,
        'the message waiting for the row lock',
      );
      const http = await halfSentRequest(api);
      sockets.push(http);
      await sleep(100); // the server has read the head's first lines

      const drained = api.app.get(GracefulShutdown).drain(10_000);
      const unavailable = { code: 'SERVICE_UNAVAILABLE', retryable: true };
      const answer = await finishRequest(http, JSON.stringify({ query: '{ __typename }' }));
      expect(answer.head).toMatch(/^HTTP\/1\.1 503 /);
      expect(JSON.parse(answer.body).errors).toEqual([expect.objectContaining({ extensions: unavailable })]);
      expect((await wsExecute(visitorWs, '{ __typename }')).errors).toEqual([expect.objectContaining({ extensions: unavailable })]);

      await lock.query('ROLLBACK');
      expect((await inFlight).errors).toBeUndefined(); // the mutation in flight finishes
      await drained;
    } finally {
      for (const socket of sockets) socket.destroy();
      await lock.end();
      await visitorWs.dispose();
      await api.close();
    }
  });

  it('answers an HTTP request in flight when the drain begins with Connection: close, so its client opens a new connection next', async () => {
    const api = await startTestApi();
    const lock = new Client({ connectionString: TEST_DATABASE_URL });
    await lock.connect();
    const agent = new Agent({ keepAlive: true });
    const { visitor, sessionId } = await givenActiveSession(api);
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT id FROM chat_session WHERE id = $1 FOR UPDATE', [sessionId]);
      const body = JSON.stringify({ query: SEND_MESSAGE, variables: { input: { sessionId, content: 'in flight', clientMessageId: 'http-in-flight' } } });
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(`${api.httpUrl}/graphql`, {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${visitor.token}` },
        });
        req.on('response', resolve).on('error', reject).end(body);
      });
      const database = new URL(TEST_DATABASE_URL).pathname.slice(1);
      await eventually(
        async () => (await queryServer(TEST_DATABASE_URL, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database])).length === 1,
        'the message waiting for the row lock',
      );
      const drained = api.app.get(GracefulShutdown).drain(10_000);
      await lock.query('ROLLBACK');
      const answer = await response;
      answer.resume();
      expect(answer.statusCode).toBe(200);
      expect(answer.headers.connection).toBe('close');
      await drained;
    } finally {
      agent.destroy();
      await lock.end();
      await api.close();
    }
  });
});
