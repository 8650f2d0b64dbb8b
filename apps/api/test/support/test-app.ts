import { EntityManager } from '@mikro-orm/postgresql';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { prepareDatabase } from '../../src/database/prepare-database';
import { OperatorsService } from '../../src/operators/operators.service';
import { QueueService } from '../../src/sessions/queue.service';
import { REDIS } from '../../src/realtime/redis.providers';
import { gqlOk } from './api-client';
import { eventually } from './wait-for';
import { TEST_DATABASE_URL } from './global-setup';

/** A booted API listening on a free port, with its URLs. */
export interface TestApi {
  app: INestApplication;
  config: AppConfig;
  httpUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

/**
 * Boots the real API (real PostgreSQL test database, real Redis) on a free port. Each call gets its own
 * Redis prefix unless one is given, so test files never see each other's events; pass the same prefix to
 * two instances to make them one deployment.
 */
let prepared: Promise<string[]> | undefined;

export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  prepared ??= prepareDatabase(TEST_DATABASE_URL);
  await prepared;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_PREFIX: `parley-test-${randomUUID().slice(0, 8)}`,
    PORT: '0',
    HOST: '127.0.0.1',
    // The message writer opens all its connections at start; test files run up to three instances side by side.
    MESSAGE_WRITER_CONNECTIONS: '4',
    // Off unless a test turns it on: every test deployment shares the one test database, and a sweep would
    // notify its own channels about the other deployments' waiting chats (see global-setup.ts).
    NOTIFY_SWEEP_INTERVAL_SECONDS: '0',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    config,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    close: () => app.close(),
  };
}

/** Empties every table and this instance's Redis keys (presence), for tests that count the queue. */
export async function resetDatabase(api: TestApi): Promise<void> {
  await api.app.get(EntityManager).fork().getConnection().execute('TRUNCATE rating, message, chat_session, visitor, operator CASCADE');
  const redis = api.app.get<Redis>(REDIS);
  const keys = await redis.keys(`${api.config.redisPrefix}:*`);
  if (keys.length) await redis.del(...keys);
}

/** Creates a visitor through the API; returns its guest token and id. */
export async function givenVisitor(api: TestApi, input: Record<string, unknown> = {}): Promise<{ token: string; id: string }> {
  const data = await gqlOk(api.httpUrl, 'mutation($input: CreateVisitorInput) { createVisitor(input: $input) { token visitor { id } } }', {
    input,
  });
  return { token: data.createVisitor.token, id: data.createVisitor.visitor.id };
}

let operatorCounter = 0;

/** Creates an operator account and signs it in; `online` sets presence ONLINE. */
export async function givenOperator(
  api: TestApi,
  options: { name?: string; online?: boolean } = {},
): Promise<{ token: string; id: string; email: string; password: string }> {
  const email = `op${++operatorCounter}-${randomUUID().slice(0, 8)}@example.test`;
  const password = 'correct horse battery';
  await api.app.get(OperatorsService).createOperator({ email, name: options.name ?? `Operator ${operatorCounter}`, password });
  const data = await gqlOk(api.httpUrl, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken operator { id } } }', {
    e: email,
    p: password,
  });
  const token = data.loginOperator.accessToken as string;
  if (options.online) await gqlOk(api.httpUrl, 'mutation { setPresence(presence: ONLINE) { id } }', {}, token);
  return { token, id: data.loginOperator.operator.id, email, password };
}

/**
 * Resolves once the queue broadcasts started so far (a start's, an accept's: they run in the background
 * after the mutation answers) have been published, so a test's own events come after them.
 */
export function queueAnnounced(api: TestApi): Promise<void> {
  return api.app.get(QueueService).broadcast();
}

/** What a queue broadcast reads (`QueueService`'s private `readQueue`), as far as tests look at it. */
export interface QueueRead {
  snapshot: { count: number };
  operatorsOnline: number;
}

/**
 * Starts a queue broadcast on `api` and holds it once it has read the queue (`readQueue`, wrapped on the real
 * service; only the first read after this call is held). Resolves once it has read, with `read` (what it read),
 * `release` (lets it publish), `published` (settles once it has published) and `restore` (unwraps `readQueue`).
 */
export async function heldBroadcast(api: TestApi): Promise<{ read: QueueRead; release: () => void; published: Promise<void>; restore: () => void }> {
  type Broadcasting = { readQueue: () => Promise<QueueRead>; broadcast: () => Promise<void> };
  const queue = api.app.get<QueueService, Broadcasting>(QueueService);
  const read = queue.readQueue.bind(queue);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let first: QueueRead | undefined;
  queue.readQueue = async () => {
    const result = await read();
    if (first) return result;
    first = result;
    await held;
    return result;
  };
  const published = queue.broadcast();
  await eventually(() => first, 'the held broadcast read the queue');
  return { read: first!, release, published, restore: () => (queue.readQueue = read) };
}

/** A visitor with a WAITING session (optionally with a first message), its queue broadcast published. */
export async function givenWaitingSession(
  api: TestApi,
  content?: string,
): Promise<{ visitor: { token: string; id: string }; sessionId: string }> {
  const visitor = await givenVisitor(api, { name: 'Test Visitor' });
  const data = await gqlOk(
    api.httpUrl,
    'mutation($input: StartSessionInput) { startSession(input: $input) { id status } }',
    { input: content ? { content } : {} },
    visitor.token,
  );
  await queueAnnounced(api);
  return { visitor, sessionId: data.startSession.id };
}

/** A session accepted by an operator, its queue broadcast published. */
export async function givenActiveSession(api: TestApi, content = 'Hello, I need help') {
  const waiting = await givenWaitingSession(api, content);
  const operator = await givenOperator(api, { online: true });
  await gqlOk(api.httpUrl, 'mutation($id: ID!) { acceptSession(sessionId: $id) { id } }', { id: waiting.sessionId }, operator.token);
  await queueAnnounced(api);
  return { ...waiting, operator };
}
