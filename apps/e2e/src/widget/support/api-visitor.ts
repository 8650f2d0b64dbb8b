import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ApiProcess } from '../../support/api-process';

function run(url: string, token: string | undefined, query: string, variables: Record<string, unknown>): Promise<any> {
  const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: token ? { authToken: token } : undefined });
  return new Promise((resolve, reject) => {
    let data: any;
    client.subscribe(
      { query, variables },
      {
        next: (value) => (value.errors ? reject(new Error(JSON.stringify(value.errors))) : (data = value.data)),
        error: reject,
        complete: () => resolve(data),
      },
    );
  }).finally(() => client.dispose());
}

/** Another visitor, made straight through the API (no browser): creates the visitor and its waiting chat session. */
export async function visitorViaApi(api: ApiProcess, firstMessage: string): Promise<{ token: string; sessionId: string }> {
  const created = await run(api.wsUrl, undefined, 'mutation ($input: CreateVisitorInput) { createVisitor(input: $input) { token } }', { input: { name: 'Queue neighbour' } });
  const token: string = created.createVisitor.token;
  const started = await run(api.wsUrl, token, 'mutation ($input: StartSessionInput) { startSession(input: $input) { id } }', {
    input: { content: firstMessage, clientMessageId: randomUUID() },
  });
  return { token, sessionId: started.startSession.id };
}
