// Issue 6, point 7: every query, mutation and subscription × {no token, visitor A, visitor B, operator,
// disabled operator, expired token, a visitor no longer stored}; open sockets closed on token expiry and on disabling an operator.
import { EntityManager } from '@mikro-orm/postgresql';
import { JwtService } from '@nestjs/jwt';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { errorCode, gql, gqlOk, record, wsClient, wsExecute } from './support/api-client';
import { ACCEPT_SESSION, CLOSE_SESSION, QUEUE_UPDATED, RATE_SESSION, SEND_MESSAGE, SESSION, SESSION_EVENTS, SET_TYPING, START_SESSION } from './support/operations';
import { givenOperator, givenVisitor, givenWaitingSession, startTestApi, TestApi } from './support/test-app';

type Who = 'none' | 'visitorA' | 'visitorB' | 'operator' | 'disabledOperator' | 'expired' | 'goneVisitor';
const WHO: Who[] = ['none', 'visitorA', 'visitorB', 'operator', 'disabledOperator', 'expired', 'goneVisitor'];
/** 'ok', an `extensions.code`, or (subscriptions) the code the socket was closed with. */
type Outcome = string;

interface Row {
  field: string;
  kind: 'query' | 'mutation' | 'subscription';
  document: string;
  variables: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  expect: Record<Who, Outcome>;
}

const UNAUTH = 'UNAUTHENTICATED';
const FORBID = 'FORBIDDEN';
// goneVisitor: a well-signed guest token whose visitor is not stored (a database re-created under widgets).
const operatorOnly: Record<Who, Outcome> = {
  none: UNAUTH,
  visitorA: FORBID,
  visitorB: FORBID,
  operator: 'ok',
  disabledOperator: FORBID,
  expired: UNAUTH,
  goneVisitor: FORBID,
};
const visitorOnly: Record<Who, Outcome> = { none: UNAUTH, visitorA: 'ok', visitorB: 'ok', operator: FORBID, disabledOperator: FORBID, expired: UNAUTH, goneVisitor: UNAUTH };
const publicOp: Record<Who, Outcome> = { none: 'ok', visitorA: 'ok', visitorB: 'ok', operator: 'ok', disabledOperator: 'ok', expired: UNAUTH, goneVisitor: 'ok' };
/** Visitor A's own session, assigned to the operator. */
const ownSession: Record<Who, Outcome> = { none: UNAUTH, visitorA: 'ok', visitorB: FORBID, operator: 'ok', disabledOperator: FORBID, expired: UNAUTH, goneVisitor: FORBID };

describe('authorization matrix', () => {
  let api: TestApi;
  const tokens = {} as Record<Who, string | undefined>;
  let sessionId: string;
  let closedSessionId: string;
  let operatorLogin: { email: string; password: string };

  beforeAll(async () => {
    api = await startTestApi();
    const a = await givenVisitor(api, { name: 'A' });
    const b = await givenVisitor(api, { name: 'B' });
    const operator = await givenOperator(api, { online: true });
    const disabled = await givenOperator(api);
    operatorLogin = operator;
    // A's earlier, closed chat (to rate) and current chat, accepted by the operator.
    const first = await gqlOk(api.httpUrl, START_SESSION, { input: { content: 'earlier' } }, a.token);
    closedSessionId = first.startSession.id;
    await gqlOk(api.httpUrl, CLOSE_SESSION, { id: closedSessionId, resolution: 'done' }, operator.token);
    const current = await gqlOk(api.httpUrl, START_SESSION, { input: { content: 'now' } }, a.token);
    sessionId = current.startSession.id;
    await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, operator.token);
    await api.app.get(EntityManager).fork().getConnection().execute('UPDATE operator SET disabled = true WHERE id = ?', [disabled.id]);
    Object.assign(tokens, {
      none: undefined,
      visitorA: a.token,
      visitorB: b.token,
      operator: operator.token,
      disabledOperator: disabled.token,
      expired: api.app.get(JwtService).sign({ sub: operator.id, typ: 'o' }, { expiresIn: -5 }),
      goneVisitor: api.app.get(JwtService).sign({ sub: randomUUID(), typ: 'v' }, { expiresIn: 600 }),
    });
  });
  afterAll(() => api.close());

  const freshWaiting = async () => ({ id: (await givenWaitingSession(api, 'please')).sessionId });

  const rows: Row[] = [
    { field: 'session', kind: 'query', document: SESSION, variables: () => ({ id: sessionId }), expect: ownSession },
    { field: 'waitingSessions', kind: 'query', document: '{ waitingSessions { id } }', variables: () => ({}), expect: operatorOnly },
    { field: 'sessions', kind: 'query', document: '{ sessions { nodes { id } } }', variables: () => ({}), expect: operatorOnly },
    { field: 'me', kind: 'query', document: '{ me { id } }', variables: () => ({}), expect: operatorOnly },
    { field: 'mySessions', kind: 'query', document: '{ mySessions { nodes { id } } }', variables: () => ({}), expect: visitorOnly },
    { field: 'visitorMe', kind: 'query', document: '{ visitorMe { id } }', variables: () => ({}), expect: visitorOnly },
    { field: 'createVisitor', kind: 'mutation', document: 'mutation { createVisitor { token } }', variables: () => ({}), expect: publicOp },
    { field: 'renewVisitorToken', kind: 'mutation', document: 'mutation { renewVisitorToken { token } }', variables: () => ({}), expect: visitorOnly },
    {
      field: 'loginOperator',
      kind: 'mutation',
      document: 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }',
      variables: () => ({ e: operatorLogin.email, p: operatorLogin.password }),
      expect: publicOp,
    },
    { field: 'startSession', kind: 'mutation', document: START_SESSION, variables: () => ({}), expect: visitorOnly },
    {
      field: 'sendMessage',
      kind: 'mutation',
      document: SEND_MESSAGE,
      variables: () => ({ input: { sessionId, content: 'hi', clientMessageId: `m-${Math.random().toString(36).slice(2)}` } }),
      expect: ownSession,
    },
    { field: 'setTyping', kind: 'mutation', document: SET_TYPING, variables: () => ({ id: sessionId, typing: true }), expect: ownSession },
    { field: 'acceptSession', kind: 'mutation', document: ACCEPT_SESSION, variables: freshWaiting, expect: operatorOnly },
    {
      field: 'closeSession',
      kind: 'mutation',
      document: CLOSE_SESSION,
      variables: async () => ({ ...(await freshWaiting()), resolution: 'spam' }),
      expect: operatorOnly, // a waiting chat of someone else: any operator may close it, no other visitor may
    },
    {
      field: 'rateSession',
      kind: 'mutation',
      document: RATE_SESSION,
      variables: () => ({ id: closedSessionId, score: 4 }),
      expect: { none: UNAUTH, visitorA: 'ok', visitorB: FORBID, operator: FORBID, disabledOperator: FORBID, expired: UNAUTH, goneVisitor: FORBID },
    },
    { field: 'notificationSettings', kind: 'query', document: '{ notificationSettings { __typename } }', variables: () => ({}), expect: operatorOnly },
    {
      field: 'sendTestNotification',
      kind: 'mutation',
      document: 'mutation { sendTestNotification { __typename } }',
      variables: () => ({}),
      // Authorised, then refused as input: no channel is configured in this test.
      expect: { ...operatorOnly, operator: 'BAD_USER_INPUT' },
    },
    { field: 'setPresence', kind: 'mutation', document: 'mutation { setPresence(presence: ONLINE) { id } }', variables: () => ({}), expect: operatorOnly },
    {
      field: 'sessionEvents',
      kind: 'subscription',
      document: SESSION_EVENTS,
      variables: () => ({ id: sessionId, after: 0 }),
      // A socket is refused at connection_init (4403) for an expired token and for a disabled operator's.
      expect: { ...ownSession, expired: '4403', disabledOperator: '4403' },
    },
    {
      field: 'queueUpdated',
      kind: 'subscription',
      document: QUEUE_UPDATED,
      variables: () => ({}),
      expect: { ...operatorOnly, expired: '4403', disabledOperator: '4403' },
    },
  ];

  it('covers every operation of the schema', async () => {
    const schema = await gqlOk(
      api.httpUrl,
      '{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }',
    );
    const all = ['queryType', 'mutationType', 'subscriptionType'].flatMap((t) => schema.__schema[t].fields.map((f: { name: string }) => f.name));
    expect(rows.map((r) => r.field).sort()).toEqual(all.sort());
  });

  async function outcomeOf(row: Row, who: Who): Promise<Outcome> {
    const variables = await row.variables();
    if (row.kind !== 'subscription') {
      const result = await gql(api.httpUrl, row.document, variables, tokens[who]);
      return errorCode(result) ?? (result.data ? 'ok' : 'no data');
    }
    const ws = wsClient(api.wsUrl, tokens[who]);
    try {
      const sub = record(ws, row.document, variables);
      try {
        await sub.recorder.waitFor((items) => items.length > 0, 1500, 'a first event');
        return 'ok';
      } catch (error) {
        const code = (sub.recorder.error as { code?: number })?.code;
        if (code) return String(code);
        const graphqlCode = (sub.recorder.error as Array<{ extensions?: { code?: string } }>)?.[0]?.extensions?.code;
        if (graphqlCode) return graphqlCode;
        if (/Timed out/.test((error as Error).message)) return 'ok'; // subscribed, nothing happened yet
        throw error;
      }
    } finally {
      await ws.dispose();
    }
  }

  for (const who of WHO) {
    it(`gives ${who} exactly the expected answer on every operation`, async () => {
      const got: Record<string, Outcome> = {};
      const want: Record<string, Outcome> = {};
      for (const row of rows) {
        got[row.field] = await outcomeOf(row, who);
        want[row.field] = row.expect[who];
      }
      expect(got).toEqual(want);
    });
  }

  describe('open sockets', () => {
    it('closes a socket when its token expires (4401)', async () => {
      const shortLived = api.app.get(JwtService).sign({ sub: (await givenOperator(api)).id, typ: 'o' }, { expiresIn: 2 });
      const ws = wsClient(api.wsUrl, shortLived);
      try {
        const sub = record(ws, QUEUE_UPDATED);
        await expect(sub.recorder.waitFor(() => false, 6000)).rejects.toMatchObject({});
        expect((sub.recorder.error as { code?: number })?.code).toBe(4401);
      } finally {
        await ws.dispose();
      }
    });

    it('closes every socket of an operator disabled with the CLI, on every instance (4403), and refuses it afterwards', async () => {
      const other = await startTestApi({ REDIS_PREFIX: api.config.redisPrefix });
      const victim = await givenOperator(api);
      const sockets = [wsClient(api.wsUrl, victim.token), wsClient(other.wsUrl, victim.token)];
      try {
        const subs = sockets.map((ws) => record(ws, QUEUE_UPDATED));
        await new Promise((r) => setTimeout(r, 500));
        const cli = path.resolve(__dirname, '../../../dist/apps/api/apps/api/src/operators/cli/operators-cli.js');
        await promisify(execFile)(process.execPath, [cli, 'disable', '--email', victim.email], {
          env: { ...process.env, DATABASE_URL: api.config.databaseUrl, REDIS_PREFIX: api.config.redisPrefix, LOG_LEVEL: 'warn' },
        });
        for (const sub of subs) {
          await expect(sub.recorder.waitFor(() => false, 5000)).rejects.toMatchObject({});
          expect((sub.recorder.error as { code?: number })?.code).toBe(4403);
        }
        expect(errorCode(await gql(other.httpUrl, '{ me { id } }', {}, victim.token))).toBe(FORBID);
        // The token has not expired, but a new socket with it is refused at connection_init.
        const reconnect = wsClient(api.wsUrl, victim.token);
        sockets.push(reconnect);
        await expect(wsExecute(reconnect, '{ __typename }')).rejects.toMatchObject({ code: 4403 });
        const relogin = await gql(api.httpUrl, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', {
          e: victim.email,
          p: victim.password,
        });
        expect(errorCode(relogin)).toBe(FORBID);
      } finally {
        await Promise.all(sockets.map(async (ws) => ws.dispose()));
        await other.close();
      }
    });
  });

  it('keeps the WebSocket answers coded like HTTP ones', async () => {
    const ws = wsClient(api.wsUrl, tokens.visitorB);
    try {
      const result = await wsExecute(ws, SESSION, { id: sessionId });
      expect(result.errors![0].extensions!.code).toBe(FORBID);
    } finally {
      await ws.dispose();
    }
  });
});
