import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSchema } from '../src/schema/generate-schema';
import { TEST_DATABASE_URL } from './support/global-setup';
import { gqlOk } from './support/api-client';
import { startApiChild } from './support/api-process';
import { startTestApi, TestApi } from './support/test-app';

const DIST = path.resolve(__dirname, '../../../dist/apps/api/apps/api/src');
const ROOT = path.resolve(__dirname, '../../..');

/** Runs a built entry point and returns its exit code and output (never throws). */
async function runNode(script: string, args: string[], env: Record<string, string>, timeoutMs = 20000) {
  if (!existsSync(script)) throw new Error(`${script} missing: run "npx nx run api:build" (npm test does)`);
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The built operators CLI (`npm run operator:create` / `operator:disable`) against the test database. */
const operators = (args: string[]) =>
  runNode(path.join(DIST, 'operators/cli/operators-cli.js'), args, { DATABASE_URL: TEST_DATABASE_URL });

describe('operating Parley', () => {
  describe('start-up failures give one readable line naming the variable', () => {
    const main = path.join(DIST, 'main.js');

    it('unreachable PostgreSQL → DATABASE_URL', async () => {
      const run = await runNode(main, [], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/parley', PORT: '0' });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^Cannot reach PostgreSQL: check DATABASE_URL/);
    });

    it('unreachable Redis → REDIS_URL', async () => {
      const run = await runNode(main, [], { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^Cannot reach Redis: check REDIS_URL/);
    });

    it('invalid value → the variable and the rule', async () => {
      const run = await runNode(main, [], { PORT: 'eighty' });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(/^Invalid configuration: PORT: /);
    });
  });

  describe('operator CLI', () => {

    it('creates an operator, then refuses the same e-mail with a clear message and a non-zero exit', async () => {
      const email = `cli-${randomUUID().slice(0, 8)}@example.test`;
      const created = await operators(['create', '--email', email, '--name', 'Cli Op', '--password', 'a long enough pass']);
      expect(created.code).toBe(0);
      expect(created.stdout).toContain(`Operator created: ${email}`);
      const again = await operators(['create', '--email', email.toUpperCase(), '--name', 'Cli Op', '--password', 'a long enough pass']);
      expect(again.code).toBe(1);
      expect(again.stderr.trim()).toBe(`Cannot create operator: An operator with e-mail ${email} already exists`);
    });

    it('refuses a weak password', async () => {
      const run = await operators(['create', '--email', `weak-${randomUUID().slice(0, 8)}@example.test`, '--name', 'W', '--password', 'short']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe('Cannot create operator: password must be at least 10 characters');
    });

    it('disables an operator and says so; an unknown e-mail is one clear line', async () => {
      const email = `off-${randomUUID().slice(0, 8)}@example.test`;
      expect((await operators(['create', '--email', email, '--name', 'Off', '--password', 'a long enough pass'])).code).toBe(0);
      const disabled = await operators(['disable', '--email', email]);
      expect(disabled.code).toBe(0);
      expect(disabled.stdout).toContain(`Operator ${email} disabled`);
      const enabled = await operators(['disable', '--email', email, '--enable']);
      expect(enabled.stdout).toContain(`Operator ${email} enabled`);
      const unknown = await operators(['disable', '--email', 'nobody@example.test']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe('Cannot disable operator: No operator with e-mail nobody@example.test');
    });

    it('explains its usage when an option is missing (exit 2)', async () => {
      const run = await operators(['create', '--email', 'x@example.test']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/required option '--name <name>' not specified/);
    });
  });

  describe('secrets', () => {
    it('never writes the JWT secret, passwords or tokens to the log, even at trace level', async () => {
      const jwtSecret = `jwt-secret-${randomUUID()}`;
      const identitySecret = `identity-secret-${randomUUID()}`;
      const smtpPassword = `smtp-pw-${randomUUID().slice(0, 8)}`;
      const api = await startApiChild({
        DATABASE_URL: TEST_DATABASE_URL,
        REDIS_PREFIX: `secrets-${randomUUID().slice(0, 8)}`,
        JWT_SECRET: jwtSecret,
        IDENTITY_SECRET: identitySecret,
        SMTP_URL: `smtp://parley:${smtpPassword}@127.0.0.1:1`,
        NOTIFY_EMAILS: 'team@example.com',
        LOG_LEVEL: 'trace',
      });
      try {
        const email = `secret-${randomUUID().slice(0, 8)}@example.test`;
        const password = `pw-${randomUUID()}`;
        expect((await operators(['create', '--email', email, '--name', 'S', '--password', password])).code).toBe(0);
        const login = await gqlOk(api.url, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', { e: email, p: password });
        const wrong = await fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${login.loginOperator.accessToken}` },
          body: JSON.stringify({ query: '{ me { id } nope }' }),
        });
        expect(wrong.status).toBe(400);
        await gqlOk(api.url, '{ me { id } }', {}, login.loginOperator.accessToken);
        await new Promise((r) => setTimeout(r, 300));
        const log = api.output();
        expect(log.length).toBeGreaterThan(0);
        for (const secret of [jwtSecret, identitySecret, smtpPassword, password, login.loginOperator.accessToken]) {
          expect(log).not.toContain(secret);
        }
      } finally {
        await api.stop();
      }
    });
  });

  describe('health endpoints and schema', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi();
    });
    afterAll(() => api.close());

    it('/healthz says the process is up; /readyz checks PostgreSQL and Redis', async () => {
      expect((await fetch(`${api.httpUrl}/healthz`)).status).toBe(200);
      const ready = await fetch(`${api.httpUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    });

    it('/readyz answers 503 naming Redis when Redis is gone', async () => {
      const broken = await startTestApi();
      try {
        const { REDIS } = await import('../src/realtime/redis.providers');
        broken.app.get<{ disconnect(): void }>(REDIS).disconnect();
        const ready = await fetch(`${broken.httpUrl}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
      } finally {
        await broken.close();
      }
    });

    it('has schema.graphql at the root generated from the current code (run "npm run schema:generate")', async () => {
      const fresh = await generateSchema(path.join(os.tmpdir(), `parley-schema-${randomUUID()}.graphql`));
      expect(readFileSync(fresh, 'utf8')).toBe(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));
    });
  });
});
