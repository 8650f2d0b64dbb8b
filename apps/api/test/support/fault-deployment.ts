import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { gqlOk } from './api-client';
import { ApiChild, startApiChild } from './api-process';
import { PrivatePostgres, PrivateRedis, startPrivatePostgres, startPrivateRedis } from './private-services';

/**
 * A whole Parley deployment of a fault test's own: a private PostgreSQL and a private Redis (which the
 * test may kill or restart) and any number of built API processes sharing them, as in production.
 */
export interface FaultDeployment {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  /** Environment every API process of this deployment gets. */
  env: Record<string, string>;
  /** The demo operator the first API process seeded. */
  operator: { email: string; password: string };
  /** API processes started so far (stopped by {@link dispose}). */
  apis: ApiChild[];
  /** Starts one more API process of this deployment (`extraEnv` on top of {@link env}). */
  startApi(extraEnv?: Record<string, string>): Promise<ApiChild>;
  /** A `pg` client on the deployment's database (the caller ends it). */
  db(): Promise<Client>;
  /** Creates one more operator with the built operators CLI (`npm run operator:create`); returns its credentials. */
  createOperator(name: string): Promise<{ email: string; password: string }>;
  /** Stops every API process (SIGKILL), PostgreSQL and Redis, and deletes the cluster. */
  dispose(): Promise<void>;
}

const DATABASE = 'parley';
const OPERATORS_CLI = path.resolve(__dirname, '../../../../dist/apps/api/apps/api/src/operators/cli/operators-cli.js');

/** Starts private PostgreSQL and Redis and one API process (which migrates and seeds the demo operator). */
export async function startFaultDeployment(extraEnv: Record<string, string> = {}): Promise<FaultDeployment> {
  const [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: pg.url(DATABASE),
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'faults',
    JWT_SECRET: 'fault-tests-secret-0123456789abcdefghijkl',
    RATE_LIMIT_VISITORS_PER_MINUTE: '100000',
    RATE_LIMIT_SESSIONS_PER_MINUTE: '100000',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '100000',
    WS_MAX_SOCKETS_PER_IP: '10000',
    ...extraEnv,
  };
  const apis: ApiChild[] = [];
  const deployment: FaultDeployment = {
    pg,
    redis,
    env,
    operator: { email: '', password: '' },
    apis,
    startApi: async (more = {}) => {
      const api = await startApiChild({ ...env, ...more });
      apis.push(api);
      return api;
    },
    db: () => pg.client(DATABASE),
    createOperator: async (name) => {
      const email = `${name.toLowerCase().replace(/\W+/g, '-')}@faults.test`;
      const password = 'correct horse battery staple';
      await promisify(execFile)(process.execPath, [OPERATORS_CLI, 'create', '--email', email, '--name', name, '--password', password], {
        env: { ...process.env, ...env },
        timeout: 30_000,
      });
      return { email, password };
    },
    dispose: async () => {
      await Promise.all(apis.map((api) => api.stop('SIGKILL')));
      await Promise.all([pg.dispose(), redis.dispose()]);
    },
  };
  try {
    const first = await deployment.startApi();
    const demo = /Demo operator created: e-mail (\S+)\s+password (\S+)/.exec(first.output());
    if (!demo) throw new Error(`the first API process printed no demo operator: ${first.output()}`);
    deployment.operator = { email: demo[1], password: demo[2] };
  } catch (error) {
    await deployment.dispose();
    throw error;
  }
  return deployment;
}

/** Signs the operator in and sets it ONLINE; returns its access token. */
export async function signInOperator(url: string, operator: { email: string; password: string }): Promise<string> {
  const data = await gqlOk(url, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', {
    e: operator.email,
    p: operator.password,
  });
  const token = data.loginOperator.accessToken as string;
  await gqlOk(url, 'mutation { setPresence(presence: ONLINE) { id } }', {}, token);
  return token;
}

/** A new visitor with a WAITING session opened by a first message (`clientMessageId` `<name>-0`). */
export async function visitorWithSession(url: string, name: string): Promise<{ token: string; sessionId: string }> {
  const visitor = await gqlOk(url, 'mutation($input: CreateVisitorInput) { createVisitor(input: $input) { token } }', { input: { name } });
  const token = visitor.createVisitor.token as string;
  const started = await gqlOk(
    url,
    'mutation($input: StartSessionInput) { startSession(input: $input) { id } }',
    { input: { content: `Hello, this is ${name}`, clientMessageId: `${name}-0` } },
    token,
  );
  return { token, sessionId: started.startSession.id as string };
}

/** The waiting queue as an operator sees it: FIFO ids with their 1-based positions. */
export async function waitingQueue(url: string, operatorToken: string): Promise<Array<{ id: string; queuePosition: number }>> {
  const data = await gqlOk(url, '{ waitingSessions { id queuePosition } }', {}, operatorToken);
  return data.waitingSessions;
}

/** What PostgreSQL holds for one session: its row and its messages in seq order. */
export async function storedConversation(db: Client, sessionId: string) {
  const session = await db.query<{ status: string; operator_id: string | null; last_seq: number }>(
    'SELECT status, operator_id, last_seq FROM chat_session WHERE id = $1',
    [sessionId],
  );
  const messages = await db.query<{ seq: number; client_message_id: string | null; sender_role: string; content: string }>(
    'SELECT seq, client_message_id, sender_role, content FROM message WHERE session_id = $1 ORDER BY seq',
    [sessionId],
  );
  return { session: session.rows[0], messages: messages.rows };
}

/**
 * Asserts what "nothing lost, nothing doubled" means in storage: seqs 1…n without a gap, the session's
 * `last_seq` = n, and every expected `clientMessageId` stored exactly once.
 */
export async function expectStoredExactlyOnce(db: Client, sessionId: string, expectedClientMessageIds: string[]): Promise<number> {
  const { session, messages } = await storedConversation(db, sessionId);
  expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
  expect(session.last_seq).toBe(messages.length);
  const ids = messages.map((m) => m.client_message_id).filter((id): id is string => id !== null);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].filter((id) => expectedClientMessageIds.includes(id)).sort()).toEqual([...expectedClientMessageIds].sort());
  return messages.length;
}
