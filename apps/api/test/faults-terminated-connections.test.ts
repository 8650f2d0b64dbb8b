// Fault: PostgreSQL ends the connection a request's statement runs on (pg_terminate_backend, a restart,
// a failover: SQLSTATE 57P01 admin_shutdown), or the connection drops. The client gets a retryable
// SERVICE_UNAVAILABLE, and the log one readable line, not the error's stack trace.
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { errorCode, gql } from './support/api-client';
import { TEST_DATABASE_URL } from './support/global-setup';
import { ACCEPT_SESSION, CLOSE_SESSION, SEND_MESSAGE } from './support/operations';
import { CuttableProxy, startCuttableProxy } from './support/tcp-proxy';
import { givenActiveSession, givenOperator, givenWaitingSession, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';

/** A lock that makes the API's statement wait: `sql` run in a transaction of another connection. */
interface Lock {
  sql: string;
  params?: unknown[];
}

/** The chat session's row, which sendMessage's and closeSession's statements wait for. */
const sessionRow = (sessionId: string): Lock => ({ sql: 'SELECT 1 FROM chat_session WHERE id = $1 FOR UPDATE', params: [sessionId] });

/**
 * Runs `request` while `lock` is held, terminates the API's backend that waits for it (its statement is in
 * flight), then lets go of the lock; resolves with the request's answer.
 */
async function terminatedWhileWaiting<T>(lock: Lock, request: () => Promise<T>): Promise<T> {
  const locker = new Client({ connectionString: TEST_DATABASE_URL });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(lock.sql, lock.params);
    const answer = request();
    const [{ pid }] = await eventually(async () => {
      // Inside a transaction PostgreSQL keeps the first read of pg_stat_activity until told otherwise.
      await locker.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await locker.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
      );
      return rows.length === 1 && rows;
    }, 'the request waiting for the lock');
    await locker.query('SELECT pg_terminate_backend($1)', [pid]);
    await locker.query('ROLLBACK');
    return await answer;
  } finally {
    await locker.end();
  }
}

describe('fault: PostgreSQL terminates the connection a request runs on (57P01), or it drops', () => {
  let proxy: CuttableProxy;
  let api: TestApi;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  /** Everything the API logged as a warning or an error, as text. */
  const logged = () => [...warn.mock.calls, ...error.mock.calls].map((call) => (call[0] instanceof Error ? call[0].stack : String(call[0])));

  beforeEach(async () => {
    // The API reaches PostgreSQL through a proxy whose connections a test can cut.
    proxy = await startCuttableProxy(Number(new URL(TEST_DATABASE_URL).port));
    const databaseUrl = new URL(TEST_DATABASE_URL);
    databaseUrl.port = String(proxy.port);
    api = await startTestApi({ DATABASE_URL: databaseUrl.toString() }); // one per test: a line counted into the previous test's second would not show
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    warn.mockRestore();
    error.mockRestore();
    await api.close();
    await proxy.close();
  });

  it("sendMessage (the message writer's connection): SERVICE_UNAVAILABLE, and one line in the log without a stack trace", async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    const answer = await terminatedWhileWaiting(sessionRow(sessionId), () =>
      gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'lost', clientMessageId: 'lost-1' } }, visitor.token),
    );
    expect(errorCode(answer)).toBe('SERVICE_UNAVAILABLE');
    expect(logged()).toEqual([
      'A request failed: PostgreSQL or Redis unavailable (terminating connection due to administrator command, 57P01); answered SERVICE_UNAVAILABLE',
    ]);
  });

  it("closeSession (a transaction on the ORM's connection): SERVICE_UNAVAILABLE, and one line without a stack trace or the statement", async () => {
    const { operator, sessionId } = await givenActiveSession(api);
    const answer = await terminatedWhileWaiting(sessionRow(sessionId), () => gql(api.httpUrl, CLOSE_SESSION, { id: sessionId, resolution: 'Done' }, operator.token));
    expect(errorCode(answer)).toBe('SERVICE_UNAVAILABLE');
    const lines = logged();
    expect(lines.filter((line) => line?.startsWith('A request failed'))).toEqual([
      'A request failed: PostgreSQL or Redis unavailable (terminating connection due to administrator command, 57P01); answered SERVICE_UNAVAILABLE',
    ]);
    // The ORM's pool may report the connection it finds closed in its own line (mikro-orm.config.ts).
    for (const line of lines) expect(line).not.toMatch(/\n\s+at |chat_session/);
  });

  it("acceptSession whose connection drops during the transaction's BEGIN: SERVICE_UNAVAILABLE, and one line without a stack trace", async () => {
    const { sessionId } = await givenWaitingSession(api);
    const operator = await givenOperator(api);
    // knex still hands out the transaction, already over: without database/failed-begin.subscriber.ts its first
    // statement fails with "Transaction query already complete" (INTERNAL_SERVER_ERROR) and BEGIN's error is lost.
    const dropped = proxy.cutOnResponse('BEGIN', 10_000);
    const answer = await gql(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, operator.token);
    expect(await dropped).toBeDefined();
    expect(errorCode(answer)).toBe('SERVICE_UNAVAILABLE');
    const lines = logged();
    expect(lines.filter((line) => line?.startsWith('A request failed'))).toEqual([
      'A request failed: PostgreSQL or Redis unavailable (Connection terminated unexpectedly); answered SERVICE_UNAVAILABLE',
    ]);
    for (const line of lines) expect(line).not.toMatch(/\n\s+at /);
  });

  it('GET /metrics (a plain HTTP route): 503 SERVICE_UNAVAILABLE with Retry-After, and one line without a stack trace', async () => {
    // The queue length's count waits for the table.
    const response = await terminatedWhileWaiting({ sql: 'LOCK TABLE chat_session IN ACCESS EXCLUSIVE MODE' }, () =>
      fetch(new URL('/metrics', api.httpUrl)),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string; retryable: boolean } }> };
    expect(body.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    const lines = logged();
    expect(lines.filter((line) => line?.startsWith('A request failed'))).toEqual([
      'A request failed: PostgreSQL or Redis unavailable (terminating connection due to administrator command, 57P01); answered SERVICE_UNAVAILABLE',
    ]);
    for (const line of lines) expect(line).not.toMatch(/\n\s+at /);
  });
});
