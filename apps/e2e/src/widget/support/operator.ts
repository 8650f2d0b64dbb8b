import { randomUUID } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type ApiProcess, createOperator } from '../../support/api-process';

/** Polls `probe` until it returns a truthy value (default 15 s). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(JSON.stringify(error));
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A chat session in the operator's waiting queue. */
export interface WaitingSession {
  id: string;
  queuePosition: number;
  preview: string | null;
  visitor: { name: string | null; email: string | null };
}

/** What an operator's `sessionEvents` subscription has received so far. */
export interface SessionWatch {
  events: any[];
  /** Waits for an event matching `match`. */
  next(match: (event: any) => boolean, what: string): Promise<any>;
  stop(): void;
}

/**
 * An operator driven from Node like the console would: created with the real CLI, signed in with
 * `loginOperator` over HTTP, then everything over one graphql-ws connection (the console is built in
 * parallel; these tests do not depend on it).
 */
export class OperatorDriver {
  private constructor(
    readonly name: string,
    readonly token: string,
    private readonly client: Client,
  ) {}

  /** Creates the operator (CLI), signs in and sets presence ONLINE. */
  static async start(api: ApiProcess, name: string): Promise<OperatorDriver> {
    const account = await createOperator(api, { name });
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation ($email: String!, $password: String!) { loginOperator(email: $email, password: $password) { accessToken } }',
        variables: { email: account.email, password: account.password },
      }),
    });
    const body = (await response.json());
    if (!body.data) throw new Error(`loginOperator failed: ${JSON.stringify(body.errors)}`);
    const token: string = body.data.loginOperator.accessToken;
    // One socket kept open, as the console keeps it: an operator counts as online only while connected.
    const client = createClient({ url: api.wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: token }, lazy: false, retryAttempts: 20, onNonLazyError: () => undefined });
    return new OperatorDriver(name, token, client);
  }

  /** Runs a query or mutation over the socket. @throws on GraphQL errors */
  request<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let data: T | undefined;
      this.client.subscribe<T>(
        { query, variables },
        {
          next: (value) => {
            if (value.errors?.length) reject(new Error(value.errors.map((e) => e.message).join('; ')));
            else data = value.data as T;
          },
          error: (error: unknown) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => resolve(data as T),
        },
      );
    });
  }

  async setPresence(presence: 'ONLINE' | 'AWAY' | 'OFFLINE'): Promise<void> {
    await this.request('mutation ($p: Presence!) { setPresence(presence: $p) { id } }', { p: presence });
  }

  async waitingSessions(): Promise<WaitingSession[]> {
    const data = await this.request<{ waitingSessions: WaitingSession[] }>('{ waitingSessions { id queuePosition preview visitor { name email } } }');
    return data.waitingSessions;
  }

  /** Waits until a waiting chat session whose first message is `preview` is in the queue. */
  waitForWaiting(preview: string): Promise<WaitingSession> {
    return eventually(async () => (await this.waitingSessions()).find((s) => s.preview === preview), `a waiting chat session "${preview}"`);
  }

  async accept(sessionId: string): Promise<void> {
    await this.request('mutation ($id: ID!) { acceptSession(sessionId: $id) { id } }', { id: sessionId });
  }

  async send(sessionId: string, content: string): Promise<{ seq: number }> {
    const data = await this.request('mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }', {
      input: { sessionId, content, clientMessageId: randomUUID() },
    });
    return data.sendMessage;
  }

  async typing(sessionId: string, isTyping: boolean): Promise<void> {
    await this.request('mutation ($id: ID!, $t: Boolean!) { setTyping(sessionId: $id, isTyping: $t) }', { id: sessionId, t: isTyping });
  }

  async close(sessionId: string, resolution: string): Promise<void> {
    await this.request('mutation ($id: ID!, $r: String) { closeSession(sessionId: $id, resolution: $r) { id } }', { id: sessionId, r: resolution });
  }

  /** The chat session with its messages and rating, as the operator sees it. */
  async session(id: string): Promise<any> {
    const data = await this.request(
      'query ($id: ID!) { session(id: $id) { id status resolution visitor { name email } rating { score comment } messages(first: 200) { seq senderRole content clientMessageId } } }',
      { id },
    );
    return data.session;
  }

  /** Subscribes to a chat session's events (from its start). */
  watch(sessionId: string): SessionWatch {
    const events: any[] = [];
    const stop = this.client.subscribe(
      {
        query:
          'subscription ($id: ID!) { sessionEvents(sessionId: $id, afterSeq: 0) { __typename ... on MessageCreated { message { seq senderRole content } } ... on TypingChanged { senderRole isTyping } ... on SessionClosed { resolution } } }',
        variables: { id: sessionId },
      },
      {
        next: (value) => {
          events.push((value.data as any)?.sessionEvents);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return {
      events,
      stop,
      next: (match, what) => eventually(() => events.find(match), what),
    };
  }

  async dispose(): Promise<void> {
    await this.client.dispose();
  }
}
