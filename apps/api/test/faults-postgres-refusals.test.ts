// Fault: PostgreSQL is up but refuses what the API asks of it for a while: new connections to the database
// (`ALTER DATABASE … ALLOW_CONNECTIONS false`: SQLSTATE 55000 "database … is not currently accepting
// connections", at connection time), or writes (a server that turned read-only: SQLSTATE 25006
// read_only_sql_transaction, as a standby answers after a failover). The client gets a retryable
// SERVICE_UNAVAILABLE and the log readable lines without a stack trace; the same request succeeds once
// PostgreSQL serves again. A private cluster: these statements act on a whole database or server.
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { errorCode, gql, gqlOk } from './support/api-client';
import { SEND_MESSAGE } from './support/operations';
import { PrivatePostgres, startPrivatePostgres } from './support/private-services';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';
import { eventually } from './support/wait-for';
import { isServiceUnavailable } from '../src/common/service-unavailable';
import { prepareDatabase } from '../src/database/prepare-database';

const CREATE_VISITOR = 'mutation($input: CreateVisitorInput) { createVisitor(input: $input) { token } }';

describe('fault: PostgreSQL refuses connections (55000) or writes (25006) for a while', () => {
  let postgres: PrivatePostgres;
  let admin: Client;
  let api: TestApi;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  /** Everything the API logged as a warning or an error, as text (an Error's stack included). */
  const logged = () => [...warn.mock.calls, ...error.mock.calls].map((call) => (call[0] instanceof Error ? call[0].stack : String(call[0])));

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    await prepareDatabase(postgres.url('parley'));
    admin = await postgres.client('postgres');
    await admin.query('SET default_transaction_read_only = off'); // its own setting outlasts the server's turning read-only
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await postgres?.dispose();
  });

  beforeEach(async () => {
    api = await startTestApi({ DATABASE_URL: postgres.url('parley') });
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    warn.mockRestore();
    error.mockRestore();
    try {
      await admin.query('ALTER DATABASE parley ALLOW_CONNECTIONS true');
      await admin.query('ALTER SYSTEM RESET default_transaction_read_only');
      await admin.query('SELECT pg_reload_conf()');
    } finally {
      await api.close();
    }
  });

  it('55000 at connection time (ALLOW_CONNECTIONS false, its sessions ended): SERVICE_UNAVAILABLE, one line each without a stack, then served again', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    // What a database administrator does for a database of its own (a restore, a rename): no new sessions,
    // and the open ones ended (57P01, already SERVICE_UNAVAILABLE). The pools notice their ended connections.
    await admin.query('ALTER DATABASE parley ALLOW_CONNECTIONS false');
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'parley'");
    await eventually(
      () => logged().some((line) => line?.includes('not currently accepting connections')),
      "the message writer's try to reopen a connection refused",
    );
    warn.mockClear();
    error.mockClear();

    // The ORM's pool opens a connection for the request: refused.
    const created = await gql(api.httpUrl, CREATE_VISITOR, { input: { name: 'Refused' } });
    expect(created.errors?.[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    // The message writer has none open: its statement fails with the refusal of its last try.
    const sent = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'later', clientMessageId: 'refused-1' } }, visitor.token);
    expect(errorCode(sent)).toBe('SERVICE_UNAVAILABLE');
    expect(sent.errors?.[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });

    const lines = logged();
    expect(lines.filter((line) => line?.startsWith('A request failed'))).toEqual([
      'A request failed: PostgreSQL or Redis unavailable (database "parley" is not currently accepting connections, 55000); answered SERVICE_UNAVAILABLE',
    ]);
    for (const line of lines) expect(line).not.toMatch(/\n\s+at /);
    expect(error).not.toHaveBeenCalled();

    await admin.query('ALTER DATABASE parley ALLOW_CONNECTIONS true');
    const resent = await eventually(async () => {
      const answer = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'later', clientMessageId: 'refused-1' } }, visitor.token);
      return answer.data?.sendMessage as { clientMessageId: string } | undefined;
    }, 'the resent message stored');
    expect(resent.clientMessageId).toBe('refused-1');
    await gqlOk(api.httpUrl, CREATE_VISITOR, { input: { name: 'Served' } });
  });

  it('25006 (the server turned read-only, as a standby is): SERVICE_UNAVAILABLE, one line without a stack, then the same request succeeds', async () => {
    const { visitor, sessionId } = await givenActiveSession(api);
    // Every transaction of every session read-only from now on: what writes meet on a standby, or on a
    // primary set read-only (a managed service whose disk is full, a failover tool fencing the old primary).
    await admin.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await admin.query('SELECT pg_reload_conf()');
    // Once the postmaster has reloaded (a new session reads the setting), every backend applies it before the
    // next command it reads (PostgreSQL's SIGHUP handling), so the API's next transaction is read-only.
    await eventually(async () => {
      const probe = await postgres.client('parley');
      try {
        const { rows } = await probe.query<{ default_transaction_read_only: string }>('SHOW default_transaction_read_only');
        return rows[0].default_transaction_read_only === 'on';
      } finally {
        await probe.end();
      }
    }, 'the server read-only');

    const created = await gql(api.httpUrl, CREATE_VISITOR, { input: { name: 'Read-only' } });
    expect(created.errors?.[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    const sent = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'later', clientMessageId: 'read-only-1' } }, visitor.token);
    expect(sent.errors?.[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });

    const lines = logged();
    expect(lines.filter((line) => line?.startsWith('A request failed'))).toEqual([
      expect.stringMatching(/^A request failed: PostgreSQL or Redis unavailable \(cannot execute INSERT in a read-only transaction, 25006\); answered SERVICE_UNAVAILABLE$/),
    ]);
    for (const line of lines) expect(line).not.toMatch(/\n\s+at /);
    expect(error).not.toHaveBeenCalled();

    await admin.query('ALTER SYSTEM RESET default_transaction_read_only');
    await admin.query('SELECT pg_reload_conf()');
    const resent = await eventually(async () => {
      const answer = await gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'later', clientMessageId: 'read-only-1' } }, visitor.token);
      return answer.data?.sendMessage as { clientMessageId: string } | undefined;
    }, 'the resent message stored');
    expect(resent.clientMessageId).toBe('read-only-1');
  });

  it("tells PostgreSQL's own errors apart: a refused connection is an outage, a statement's 55000 is not", async () => {
    await admin.query('ALTER DATABASE parley ALLOW_CONNECTIONS false');
    const refused = await postgres.client('parley').then(
      (client) => client.end().then(() => undefined),
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: '55000', message: 'database "parley" is not currently accepting connections' });
    expect(isServiceUnavailable(refused)).toBe(true);

    await admin.query('CREATE SEQUENCE IF NOT EXISTS never_used');
    const statement = await admin.query("SELECT currval('never_used')").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(statement).toMatchObject({ code: '55000' });
    expect(isServiceUnavailable(statement)).toBe(false);
  });
});
