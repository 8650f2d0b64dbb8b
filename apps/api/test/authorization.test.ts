import { EntityManager } from '@mikro-orm/postgresql';
import { JwtService } from '@nestjs/jwt';
import { AccountStatusService, STATUS_REFRESH_MS } from '../src/auth/account-status.service';
import { errorCode, gql, record, wsClient, wsExecute } from './support/api-client';
import { ACCEPT_SESSION, CLOSE_SESSION, QUEUE_UPDATED, RATE_SESSION, SEND_MESSAGE, SESSION, SESSION_EVENTS, SET_TYPING, START_SESSION } from './support/operations';
import { givenActiveSession, givenOperator, givenVisitor, givenWaitingSession, startTestApi, TestApi } from './support/test-app';
import { withTimeout } from './support/wait-for';

describe('authorization', () => {
  let api: TestApi;
  let owner: Awaited<ReturnType<typeof givenActiveSession>>;
  let strangerVisitor: { token: string; id: string };
  let otherOperator: { token: string; id: string };
  let waiting: Awaited<ReturnType<typeof givenWaitingSession>>;

  beforeAll(async () => {
    api = await startTestApi();
    owner = await givenActiveSession(api, 'private question');
    strangerVisitor = await givenVisitor(api);
    otherOperator = await givenOperator(api);
    waiting = await givenWaitingSession(api, 'waiting question');
  });
  afterAll(() => api.close());

  const send = (token: string | undefined, sessionId: string) =>
    gql(api.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'x', clientMessageId: `auth-${Math.random().toString(36).slice(2)}` } }, token);

  describe('a visitor sees and writes only its own sessions', () => {
    it('refuses another visitor reading, writing, typing, closing or rating (FORBIDDEN)', async () => {
      const id = owner.sessionId;
      expect(errorCode(await gql(api.httpUrl, SESSION, { id }, strangerVisitor.token))).toBe('FORBIDDEN');
      expect(errorCode(await send(strangerVisitor.token, id))).toBe('FORBIDDEN');
      expect(errorCode(await gql(api.httpUrl, SET_TYPING, { id, typing: true }, strangerVisitor.token))).toBe('FORBIDDEN');
      expect(errorCode(await gql(api.httpUrl, CLOSE_SESSION, { id }, strangerVisitor.token))).toBe('FORBIDDEN');
      expect(errorCode(await gql(api.httpUrl, RATE_SESSION, { id, score: 1 }, strangerVisitor.token))).toBe('FORBIDDEN');
      // The owner may.
      expect((await gql(api.httpUrl, SESSION, { id }, owner.visitor.token)).errors).toBeUndefined();
      expect((await send(owner.visitor.token, id)).errors).toBeUndefined();
    });

    it('refuses another visitor subscribing to the session events', async () => {
      const ws = wsClient(api.wsUrl, strangerVisitor.token);
      try {
        const sub = record(ws, SESSION_EVENTS, { id: owner.sessionId, after: 0 });
        await expect(sub.recorder.waitFor(() => false, 5000)).rejects.toThrow(/FORBIDDEN/);
        expect(sub.recorder.items).toEqual([]);
      } finally {
        await ws.dispose();
      }
    });
  });

  describe('an operator writes only into a session assigned to them', () => {
    it('lets any operator read, but refuses writing, typing or closing someone else’s active session', async () => {
      const id = owner.sessionId;
      expect((await gql(api.httpUrl, SESSION, { id }, otherOperator.token)).errors).toBeUndefined();
      expect(errorCode(await send(otherOperator.token, id))).toBe('FORBIDDEN');
      expect(errorCode(await gql(api.httpUrl, SET_TYPING, { id, typing: true }, otherOperator.token))).toBe('FORBIDDEN');
      expect(errorCode(await gql(api.httpUrl, CLOSE_SESSION, { id, resolution: 'not mine' }, otherOperator.token))).toBe('FORBIDDEN');
      expect((await send(owner.operator.token, id)).errors).toBeUndefined();
    });

    it('refuses writing into a waiting session before accepting it', async () => {
      expect(errorCode(await send(otherOperator.token, waiting.sessionId))).toBe('FORBIDDEN');
    });

    it('requires a resolution from an operator closing a chat', async () => {
      expect(errorCode(await gql(api.httpUrl, CLOSE_SESSION, { id: owner.sessionId }, owner.operator.token))).toBe('BAD_USER_INPUT');
      expect(errorCode(await gql(api.httpUrl, CLOSE_SESSION, { id: owner.sessionId, resolution: '   ' }, owner.operator.token))).toBe('BAD_USER_INPUT');
    });
  });

  describe('roles', () => {
    const operatorOnly: Array<[string, string, Record<string, unknown>]> = [
      ['waitingSessions', '{ waitingSessions { id } }', {}],
      ['sessions', '{ sessions { nodes { id } } }', {}],
      ['me', '{ me { id } }', {}],
      ['acceptSession', ACCEPT_SESSION, { id: '00000000-0000-4000-8000-000000000000' }],
      ['setPresence', 'mutation { setPresence(presence: ONLINE) { id } }', {}],
    ];
    const visitorOnly: Array<[string, string, Record<string, unknown>]> = [
      ['startSession', START_SESSION, {}],
      ['mySessions', '{ mySessions { nodes { id } } }', {}],
      ['visitorMe', '{ visitorMe { id } }', {}],
      ['rateSession', RATE_SESSION, { id: '00000000-0000-4000-8000-000000000000', score: 5 }],
    ];

    it.each(operatorOnly)('refuses a visitor token on %s (FORBIDDEN)', async (_name, query, variables) => {
      expect(errorCode(await gql(api.httpUrl, query, variables, strangerVisitor.token))).toBe('FORBIDDEN');
    });

    it.each(visitorOnly)('refuses an operator token on %s (FORBIDDEN)', async (_name, query, variables) => {
      expect(errorCode(await gql(api.httpUrl, query, variables, otherOperator.token))).toBe('FORBIDDEN');
    });

    it.each([...operatorOnly, ...visitorOnly, ['session', SESSION, { id: '00000000-0000-4000-8000-000000000000' }] as [string, string, Record<string, unknown>]])(
      'refuses no token on %s (UNAUTHENTICATED)',
      async (_name, query, variables) => {
        expect(errorCode(await gql(api.httpUrl, query, variables))).toBe('UNAUTHENTICATED');
      },
    );

    it('refuses a visitor subscribing to the operators’ queue', async () => {
      const ws = wsClient(api.wsUrl, strangerVisitor.token);
      try {
        const sub = record(ws, QUEUE_UPDATED);
        await expect(sub.recorder.waitFor(() => false, 5000)).rejects.toThrow(/FORBIDDEN/);
      } finally {
        await ws.dispose();
      }
    });

    it('hides operator e-mail addresses from visitors', async () => {
      const seen = await gql(api.httpUrl, '{ mySessions { nodes { operator { name email } } } }', {}, owner.visitor.token);
      expect(seen.data!.mySessions.nodes[0].operator.email).toBeNull();
      const byOperator = await gql(api.httpUrl, '{ me { email } }', {}, owner.operator.token);
      expect(byOperator.data!.me.email).toMatch(/@example\.test$/);
    });
  });

  describe('tokens', () => {
    it('answers UNAUTHENTICATED to a malformed token, even on a public operation', async () => {
      expect(errorCode(await gql(api.httpUrl, SESSION, { id: owner.sessionId }, 'not.a.jwt'))).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(api.httpUrl, 'mutation { createVisitor { token } }', {}, 'garbage'))).toBe('UNAUTHENTICATED');
      const forged = owner.visitor.token.slice(0, -4) + 'AAAA';
      expect(errorCode(await gql(api.httpUrl, SESSION, { id: owner.sessionId }, forged))).toBe('UNAUTHENTICATED');
    });

    it('answers UNAUTHENTICATED to an expired token', async () => {
      const expired = api.app.get(JwtService).sign({ sub: owner.operator.id, typ: 'o' }, { expiresIn: -10 });
      expect(errorCode(await gql(api.httpUrl, '{ me { id } }', {}, expired))).toBe('UNAUTHENTICATED');
    });

    it('closes a WebSocket that presents a bad token with code 4403', async () => {
      const ws = wsClient(api.wsUrl, 'not.a.jwt');
      const closed = await wsExecute(ws, '{ __typename }').then(
        () => undefined,
        (error: { code?: number }) => error.code,
      );
      expect(closed).toBe(4403);
      await ws.dispose();
    });

    it('lets an anonymous WebSocket create a visitor but nothing else', async () => {
      const ws = wsClient(api.wsUrl);
      try {
        const created = await wsExecute(ws, 'mutation { createVisitor { token } }');
        expect(created.data!.createVisitor.token).toEqual(expect.any(String));
        const refused = await wsExecute(ws, START_SESSION);
        expect(refused.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      } finally {
        await ws.dispose();
      }
    });
  });

  describe('operator sign-in', () => {
    it('refuses a wrong password and an unknown e-mail alike (UNAUTHENTICATED)', async () => {
      const operator = await givenOperator(api);
      const login = 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }';
      const wrong = await gql(api.httpUrl, login, { e: operator.email, p: 'wrong password!!' });
      const unknown = await gql(api.httpUrl, login, { e: 'nobody@example.test', p: 'wrong password!!' });
      expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
      expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
      expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
      // E-mail is case-insensitive.
      expect((await gql(api.httpUrl, login, { e: operator.email.toUpperCase(), p: operator.password })).errors).toBeUndefined();
    });

    it('refuses a disabled operator (FORBIDDEN)', async () => {
      const operator = await givenOperator(api);
      await api.app.get(EntityManager).fork().getConnection().execute('UPDATE operator SET disabled = true WHERE id = ?', [operator.id]);
      const login = 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }';
      expect(errorCode(await gql(api.httpUrl, login, { e: operator.email, p: operator.password }))).toBe('FORBIDDEN');
    });

    describe("an operator's status between refreshes", () => {
      /** Disables `operatorId` in PostgreSQL alone, as if the Redis event of `operator:disable` were lost. */
      const disableSilently = (operatorId: string) =>
        api.app.get(EntityManager).fork().getConnection().execute('UPDATE operator SET disabled = true WHERE id = ?', [operatorId]);
      /** Runs `check` with the clock `ms` ahead. */
      const later = async <T>(ms: number, check: () => Promise<T>): Promise<T> => {
        const now = Date.now();
        const clock = jest.spyOn(Date, 'now').mockReturnValue(now + ms);
        try {
          return await check();
        } finally {
          clock.mockRestore();
        }
      };

      it('is answered from memory, without a read, while a refresh has renewed it, and read again 20 s after', async () => {
        const accounts = api.app.get(AccountStatusService);
        const operator = await givenOperator(api);
        expect(await accounts.operatorStatus(operator.id)).toBe('active');
        await later(STATUS_REFRESH_MS, () => accounts.refresh());
        await disableSilently(operator.id);
        // A read would now answer 'disabled': 'active' shows the operation did not wait for PostgreSQL.
        expect(await later(STATUS_REFRESH_MS + 15_000, () => accounts.operatorStatus(operator.id))).toBe('active');
        expect(await later(STATUS_REFRESH_MS + 21_000, () => accounts.operatorStatus(operator.id))).toBe('disabled');
      });

      /** An operator with a socket on the queue, as a console left open, and the socket's close code to come. */
      const consoleOnQueue = async () => {
        const operator = await givenOperator(api);
        const ws = wsClient(api.wsUrl, operator.token);
        const closed = new Promise<number>((resolve) => ws.on('closed', (event) => resolve((event as { code: number }).code)));
        const queue = record(ws, QUEUE_UPDATED);
        await queue.recorder.waitFor((items) => items.length > 0, 10000, 'the queue');
        return { operator, ws, closed };
      };

      it("closes a disabled operator's sockets at the next scheduled refresh, also when the disable event was lost", async () => {
        const { operator, ws, closed } = await consoleOnQueue();
        try {
          await disableSilently(operator.id);
          expect(await withTimeout(closed, STATUS_REFRESH_MS + 5_000, 'the next refresh')).toBe(4403);
          expect(await api.app.get(AccountStatusService).operatorStatus(operator.id)).toBe('disabled');
        } finally {
          await ws.dispose();
        }
      }, 30_000);

      it('keeps refreshing an operator whose console only holds a socket, however long it sends nothing', async () => {
        const { operator, ws, closed } = await consoleOnQueue();
        try {
          await disableSilently(operator.id);
          await later(11 * 60_000, () => api.app.get(AccountStatusService).refresh()); // past the 10 minutes an idle operator is kept
          expect(await withTimeout(closed, 5_000, 'the socket closed')).toBe(4403);
        } finally {
          await ws.dispose();
        }
      });

      it("closes a removed operator's sockets at the next refresh", async () => {
        const { operator, ws, closed } = await consoleOnQueue();
        try {
          await api.app.get(EntityManager).fork().getConnection().execute('DELETE FROM operator WHERE id = ?', [operator.id]);
          await api.app.get(AccountStatusService).refresh();
          expect(await withTimeout(closed, 5_000, 'the socket closed')).toBe(4403);
        } finally {
          await ws.dispose();
        }
      });
    });

    it('issues tokens that expire', async () => {
      const operator = await givenOperator(api);
      const login = 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken expiresAt } }';
      const result = await gql(api.httpUrl, login, { e: operator.email, p: operator.password });
      const payload = JSON.parse(Buffer.from(result.data!.loginOperator.accessToken.split('.')[1], 'base64url').toString());
      expect(payload.exp - payload.iat).toBe(api.config.operatorTokenTtlSeconds);
      expect(Date.parse(result.data!.loginOperator.expiresAt)).toBeGreaterThan(Date.now());
    });
  });
});
