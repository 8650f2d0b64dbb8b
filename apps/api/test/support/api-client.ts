import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL response as a client sees it. */
export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [key: string]: unknown } }>;
}

/** POSTs one operation to `/graphql` over real HTTP. */
export async function gql<T = Record<string, any>>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  operationName?: string,
): Promise<GqlResult<T>> {
  const response = await fetch(`${httpUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return (await response.json()) as GqlResult<T>;
}

/** The first error code of a result, or undefined. */
export function errorCode(result: GqlResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

/** Like {@link gql} but fails the test on any error and returns `data`. */
export async function gqlOk<T = Record<string, any>>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const result = await gql<T>(httpUrl, query, variables, token);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** A real graphql-ws client on a real WebSocket. */
export function wsClient(wsUrl: string, authToken?: string, options: { retryAttempts?: number } = {}): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: authToken ? { authToken } : {},
    retryAttempts: options.retryAttempts ?? 0,
    lazy: true,
  });
}

/** Collects what a subscription delivers, with a way to wait for a condition. */
export class Recorder<T = Record<string, any>> {
  readonly items: T[] = [];
  error?: unknown;
  completed = false;
  private listeners: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    this.listeners.forEach((l) => l());
  }

  fail(error: unknown): void {
    this.error = error;
    this.listeners.forEach((l) => l());
  }

  complete(): void {
    this.completed = true;
    this.listeners.forEach((l) => l());
  }

  /** Resolves when `predicate(items)` holds; rejects after `timeoutMs` (default 10 000 ms) or on error. */
  waitFor(predicate: (items: T[]) => boolean, timeoutMs = 10000, what = 'condition'): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.items)) {
          cleanup();
          resolve(this.items);
        } else if (this.error !== undefined) {
          cleanup();
          reject(this.error instanceof Error ? this.error : new Error(JSON.stringify(this.error)));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out waiting for ${what}; got ${JSON.stringify(this.items)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }
}

/** Subscribes and records `data` of every result; returns the recorder and an unsubscribe function. */
export function record<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): { recorder: Recorder<T>; stop: () => void } {
  const recorder = new Recorder<T>();
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => (result.errors ? recorder.fail(result.errors) : recorder.push(result.data as T)),
      error: (error) => recorder.fail(error),
      complete: () => recorder.complete(),
    },
  );
  return { recorder, stop };
}

/** Runs one query or mutation over the WebSocket (as the widget does). */
export function wsExecute<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
): Promise<GqlResult<T>> {
  return new Promise((resolve, reject) => {
    let result: GqlResult<T> | undefined;
    client.subscribe<T>(
      { query, variables, operationName },
      {
        next: (value) => (result = value as GqlResult<T>),
        error: (error) => {
          if (Array.isArray(error)) return resolve({ errors: error });
          if (error instanceof Error) return reject(error);
          // A CloseEvent: keep its close code (e.g. 4403) for assertions.
          const { code, reason } = error as { code?: number; reason?: string };
          reject(Object.assign(new Error(`socket closed ${code} ${reason ?? ''}`), { code }));
        },
        complete: () => resolve(result ?? {}),
      },
    );
  });
}
