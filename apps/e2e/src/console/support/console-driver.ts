import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import type { BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { type ApiProcess, createOperator } from '../../support/api-process';

/** The built console the API serves under /console. */
export const CONSOLE_INDEX = path.resolve(__dirname, '../../../../../dist/apps/operator-angular/browser/index.html');

/** Fails early, with the command to run, when the console was not built. */
export function assertConsoleBuilt(): void {
  if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run "npx nx run operator-angular:build" (or "npm run build") first`);
}

/** Polls `probe` until it returns a truthy value. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A GraphQL request over HTTP; throws on GraphQL errors (with their `extensions.code`). */
export async function graphql<T = any>(api: ApiProcess, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const error = new Error(`${body.errors[0].extensions?.code}: ${body.errors[0].message}`) as Error & { code?: string };
    error.code = body.errors[0].extensions?.code;
    throw error;
  }
  return body.data as T;
}

/** An operator account created with the real CLI, plus an API token for setup and checks. */
export interface OperatorAccount {
  email: string;
  password: string;
  name: string;
  token: string;
}

/** Creates an operator with the CLI and signs it in over HTTP (the browser signs in by itself). */
export async function givenOperator(api: ApiProcess, name: string): Promise<OperatorAccount> {
  const account = await createOperator(api, { name });
  const { loginOperator } = await graphql(api, 'mutation ($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', { e: account.email, p: account.password });
  return { ...account, token: loginOperator.accessToken };
}

/**
 * Empties the waiting queue of the shared e2e database (files run one after another; an earlier file
 * may have left visitors waiting), so counts in these tests are exact.
 */
export async function emptyWaitingQueue(api: ApiProcess, operator: OperatorAccount): Promise<void> {
  const { waitingSessions } = await graphql(api, '{ waitingSessions { id } }', {}, operator.token);
  for (const { id } of waitingSessions) {
    await graphql(api, 'mutation ($id: ID!) { closeSession(sessionId: $id, resolution: "e2e: queue emptied") { id } }', { id }, operator.token).catch(() => undefined);
  }
}

const MESSAGE = 'id seq senderRole senderName content clientMessageId sentAt';

/**
 * A visitor driven from Node, as the widget would: created and writing over HTTP, following its chat
 * session over a real graphql-ws connection (`sessionEvents`).
 */
export class VisitorDriver {
  /** Every event received on the visitor's `sessionEvents` subscription. */
  readonly events: any[] = [];
  private client?: Client;
  private stopWatching?: () => void;

  private constructor(
    private readonly api: ApiProcess,
    readonly token: string,
    readonly sessionId: string,
    readonly name: string | null,
  ) {}

  /** Creates a visitor and starts a chat session with a first message. */
  static async start(api: ApiProcess, fields: { name?: string | null; email?: string; pageUrl?: string; firstMessage: string }): Promise<VisitorDriver> {
    const { createVisitor } = await graphql(api, 'mutation ($i: CreateVisitorInput) { createVisitor(input: $i) { token } }', {
      i: { name: fields.name ?? undefined, email: fields.email, pageUrl: fields.pageUrl },
    });
    const { startSession } = await graphql(api, 'mutation ($i: StartSessionInput) { startSession(input: $i) { id } }', { i: { content: fields.firstMessage, clientMessageId: randomUUID() } }, createVisitor.token);
    return new VisitorDriver(api, createVisitor.token, startSession.id, fields.name ?? null);
  }

  /** Follows the chat session over graphql-ws (from `afterSeq` when given). */
  watch(afterSeq?: number): void {
    this.client ??= createClient({ url: this.api.wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: this.token }, retryAttempts: 20, shouldRetry: () => true, lazy: true });
    this.stopWatching = this.client.subscribe(
      {
        query: `subscription ($s: ID!, $a: Int) { sessionEvents(sessionId: $s, afterSeq: $a) {
          __typename
          ... on MessageCreated { message { ${MESSAGE} } }
          ... on TypingChanged { senderRole isTyping }
          ... on SessionClosed { resolution closedBy }
          ... on OperatorJoined { operator { name } }
        } }`,
        variables: { s: this.sessionId, a: afterSeq },
      },
      { next: (result) => this.events.push((result.data as any)?.sessionEvents), error: () => undefined, complete: () => undefined },
    );
  }

  /** Waits for an event on the subscription. */
  nextEvent(match: (event: any) => boolean, what: string, timeoutMs?: number): Promise<any> {
    return eventually(() => this.events.find((e) => e && match(e)), what, timeoutMs);
  }

  async send(content: string): Promise<{ seq: number }> {
    const { sendMessage } = await graphql(this.api, `mutation ($i: SendMessageInput!) { sendMessage(input: $i) { ${MESSAGE} } }`, { i: { sessionId: this.sessionId, content, clientMessageId: randomUUID() } }, this.token);
    return sendMessage;
  }

  async typing(isTyping: boolean): Promise<void> {
    await graphql(this.api, 'mutation ($s: ID!, $t: Boolean!) { setTyping(sessionId: $s, isTyping: $t) }', { s: this.sessionId, t: isTyping }, this.token);
  }

  /** Rates the closed chat session (score 1–5), as the widget's rating step does. */
  async rate(score: number, comment: string): Promise<void> {
    await graphql(this.api, 'mutation ($s: ID!, $n: Int!, $c: String) { rateSession(sessionId: $s, score: $n, comment: $c) { id } }', { s: this.sessionId, n: score, c: comment }, this.token);
  }

  /** The whole stored history (for checking nothing was lost). */
  async history(): Promise<{ seq: number; content: string; senderRole: string }[]> {
    const { session } = await graphql(this.api, `query ($s: ID!) { session(id: $s) { messages(first: 200) { ${MESSAGE} } } }`, { s: this.sessionId }, this.token);
    return session.messages;
  }

  async stop(): Promise<void> {
    this.stopWatching?.();
    await this.client?.dispose();
  }
}

/**
 * Stubs the browser's Notification API and Web Audio, and lets the test hide the tab, so alerts for new
 * chats can be observed (headless Chromium has neither a notification centre nor speakers).
 * `window.__alerts` records `{ kind: 'chime' }` and `{ kind: 'notification', title, body }`.
 */
export async function recordAlerts(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as any;
    w.__alerts = [];
    w.__hidden = false;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (w.__hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => w.__hidden });
    class FakeNotification {
      static permission = 'granted';
      static requestPermission() {
        return Promise.resolve('granted');
      }
      onclick: unknown = null;
      constructor(title: string, options: { body?: string }) {
        w.__alerts.push({ kind: 'notification', title, body: options?.body });
      }
      close() {
        return undefined;
      }
    }
    w.Notification = FakeNotification;
    class FakeAudioContext {
      state = 'running';
      currentTime = 0;
      destination = {};
      resume() {
        return Promise.resolve();
      }
      createGain() {
        return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (x: unknown) => x };
      }
      createOscillator() {
        return {
          type: 'sine',
          frequency: { value: 0 },
          connect: (x: unknown) => x,
          start: () => w.__alerts.push({ kind: 'chime' }),
          stop() {},
        };
      }
    }
    w.AudioContext = FakeAudioContext;
  });
}

/** Alerts recorded by {@link recordAlerts}. */
export function alerts(page: Page): Promise<{ kind: string; title?: string; body?: string }[]> {
  return page.evaluate(() => (window as any).__alerts);
}

/** Signs in through the console's sign-in page. */
export async function signIn(page: Page, api: ApiProcess, operator: { email: string; password: string }): Promise<void> {
  await page.goto(`${api.url}/console/`);
  await page.getByTestId('login-email').fill(operator.email);
  await page.getByTestId('login-password').fill(operator.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('queue-count').waitFor();
}

/** The queue card of a visitor, by the name shown. */
export function queueItem(page: Page, visitorLabel: string) {
  return page.getByTestId('queue-item').filter({ has: page.getByTestId('queue-visitor').getByText(visitorLabel, { exact: true }) });
}

/** A short unique tag, so these tests find their own visitors in a shared database. */
export function runTag(): string {
  return randomUUID().slice(0, 6);
}
