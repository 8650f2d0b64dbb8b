import { Client, createClient } from 'graphql-ws';
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { hashPassword } from '../src/auth/password';
import { gqlOk, record, Recorder, wsExecute } from './support/api-client';
import { ApiChild, startApiChild } from './support/api-process';
import { TEST_DATABASE_URL } from './support/global-setup';
import { Nginx, startNginx } from './support/nginx';
import { messagesOf, SEND_MESSAGE, SESSION_EVENTS } from './support/operations';

/**
 * The production shape on one host: two built API processes behind Debian's nginx running the shipped
 * deploy/nginx/parley.conf (round-robin, WebSocket upgrade, no sticky sessions). A visitor and an
 * operator whose sockets nginx put on different instances talk both ways. Needs `nginx` on the PATH:
 * without it this test fails; it never skips.
 */
describe('scale-out behind nginx', () => {
  let apis: ApiChild[];
  let nginx: Nginx;
  const prefix = `parley-test-nginx-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const env = { DATABASE_URL: TEST_DATABASE_URL, REDIS_PREFIX: prefix, RUN_WORKERS: 'false' };
    apis = [];
    apis.push(await startApiChild(env)); // one at a time: the first prepares the database
    apis.push(await startApiChild(env));
    nginx = await startNginx(apis.map((a) => a.url.replace('http://', '')));
  }, 60000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all((apis ?? []).map((a) => a.stop()));
  });

  /** A graphql-ws client through nginx that knows which instance its socket landed on. */
  async function connect(token?: string): Promise<{ client: Client; instance: string }> {
    let upstream: string | undefined;
    class Tracked extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        this.on('upgrade', (response) => (upstream = response.headers['x-upstream'] as string | undefined));
      }
    }
    const client = createClient({ url: nginx.wsUrl, webSocketImpl: Tracked, connectionParams: token ? { authToken: token } : {}, retryAttempts: 0, lazy: false });
    await new Promise<void>((resolve, reject) => {
      const off = [client.on('connected', () => (off.forEach((o) => o()), resolve())), client.on('error', (e) => (off.forEach((o) => o()), reject(e as Error)))];
    });
    if (!upstream) throw new Error('nginx sent no X-Upstream header on the upgrade');
    return { client, instance: upstream };
  }

  it('spreads requests round-robin over both instances', async () => {
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${nginx.url}/healthz`);
      expect(response.status).toBe(200);
      seen.push(response.headers.get('x-upstream'));
    }
    expect(new Set(seen)).toEqual(new Set(apis.map((a) => a.url.replace('http://', ''))));
    expect(seen[0]).not.toBe(seen[1]);
  });

  it('keeps /metrics inside: 404 through nginx, 200 from an instance', async () => {
    expect((await fetch(`${nginx.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${apis[0].url}/metrics`)).status).toBe(200);
  });

  it('delivers messages both ways between a visitor and an operator on different instances', async () => {
    const email = `nginx-${randomUUID().slice(0, 8)}@example.test`;
    const password = 'correct horse battery';
    const db = new PgClient({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query(`INSERT INTO operator (id, email, name, password_hash) VALUES ($1, $2, 'Nina', $3)`, [randomUUID(), email, await hashPassword(password)]);
    } finally {
      await db.end();
    }
    const login = await gqlOk(nginx.url, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', { e: email, p: password });
    const created = await gqlOk(nginx.url, 'mutation { createVisitor(input: { name: "Vera" }) { token } }');

    const visitor = await connect(created.createVisitor.token as string);
    // Round-robin also counts plain HTTP requests: open operator sockets until one is on the other instance.
    let operator = await connect(login.loginOperator.accessToken as string);
    for (let i = 0; i < 6 && operator.instance === visitor.instance; i++) {
      await operator.client.dispose();
      operator = await connect(login.loginOperator.accessToken as string);
    }
    try {
      expect(operator.instance).not.toBe(visitor.instance);
      expect(new Set([operator.instance, visitor.instance])).toEqual(new Set(apis.map((a) => a.url.replace('http://', ''))));

      await wsExecute(operator.client, 'mutation { setPresence(presence: ONLINE) { presence } }');
      const started = await wsExecute(visitor.client, 'mutation { startSession(input: { content: "Hello from instance A" }) { id } }');
      const sessionId = started.data!.startSession.id as string;
      const visitorEvents = record(visitor.client, SESSION_EVENTS, { id: sessionId, after: 0 });
      const accepted = await wsExecute(operator.client, 'mutation($id: ID!) { acceptSession(sessionId: $id) { status } }', { id: sessionId });
      expect(accepted.data?.acceptSession.status).toBe('ACTIVE');
      const operatorEvents = record(operator.client, SESSION_EVENTS, { id: sessionId, after: 0 });
      const has = (r: Recorder, content: string) => r.waitFor((items) => messagesOf(items).some((m) => m.content === content), 10000, content);
      await has(operatorEvents.recorder, 'Hello from instance A'); // replayed: the operator's stream is live

      const fromVisitor = await wsExecute(visitor.client, SEND_MESSAGE, { input: { sessionId, content: 'Where is my order?', clientMessageId: 'v-1' } });
      expect(fromVisitor.errors).toBeUndefined();
      await has(operatorEvents.recorder, 'Where is my order?');
      const fromOperator = await wsExecute(operator.client, SEND_MESSAGE, { input: { sessionId, content: 'It ships today.', clientMessageId: 'o-1' } });
      expect(fromOperator.errors).toBeUndefined();
      await has(visitorEvents.recorder, 'It ships today.');

      // Both sides saw the same conversation, in seq order, without gaps.
      for (const events of [visitorEvents, operatorEvents]) {
        const seqs = messagesOf(events.recorder.items).map((m) => m.seq as number);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      }
      visitorEvents.stop();
      operatorEvents.stop();
    } finally {
      await Promise.all([visitor.client.dispose(), operator.client.dispose()]);
    }
  });
});
