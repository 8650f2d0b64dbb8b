import { ORIGIN_REFUSED_REASON } from '@parley/shared';
import { type Client, CloseCode, createClient } from 'graphql-ws';
import { OperationError, ORIGIN_REFUSED, type ConnectionState, type Pending, type SubscriptionSink, type Transport, type TypedDocument } from './transport';

function refusesOrigin(event: unknown): boolean {
  const { code, reason } = (event ?? {}) as { code?: unknown; reason?: unknown };
  return code === CloseCode.Forbidden && reason === ORIGIN_REFUSED_REASON;
}

/** Delay before reconnect attempt `retries` (0-based), in ms: 0.5 s doubling up to 15 s, with ±50 % jitter. */
export function backoffMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(15000, 500 * 2 ** retries);
  return Math.round(base * (0.5 + random()));
}

/** Seconds between keep-alive pings, and how long a pong may take before the socket is considered dead (ms). */
const PING_INTERVAL_MS = 12000;
const PONG_TIMEOUT_MS = 6000;

type Listener = Parameters<Transport['listen']>[0];

function toOperationError(error: unknown): OperationError {
  if (Array.isArray(error) && error.length > 0) {
    const first = error[0] as { message?: string; extensions?: { code?: unknown; retryAfterSeconds?: unknown } };
    const { code, retryAfterSeconds } = first.extensions ?? {};
    return new OperationError(
      first.message ?? 'GraphQL error',
      typeof code === 'string' ? code : undefined,
      typeof retryAfterSeconds === 'number' ? retryAfterSeconds * 1000 : undefined,
    );
  }
  if (refusesOrigin(error)) return new OperationError('This page’s origin is not allowed by the Parley server', ORIGIN_REFUSED);
  if (error instanceof Error) return new OperationError(error.message);
  return new OperationError('The connection failed');
}

/**
 * A {@link Transport} over the graphql-ws client. With a token it connects at once and stays connected
 * (reconnecting forever with {@link backoffMs}, sooner when the browser comes back online or the tab
 * becomes visible); without one it connects only while an operation runs (`createVisitor`).
 * A socket the API refuses (close code 4403: the guest token expired or is invalid) is reported through
 * `rejected` and not retried. One refused for the page's origin (4403 with {@link ORIGIN_REFUSED_REASON})
 * is reported through `originRefused`, fails the operations waiting (code `ORIGIN_REFUSED`), and is never
 * tried again.
 */
export function graphqlWsTransport(url: string, token: string | undefined): Transport {
  const listeners = new Set<Listener>();
  let state: ConnectionState = 'connecting';
  let wake: (() => void) | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of listeners) l.state?.(next);
  };
  const wakeUp = () => wake?.();
  const onVisible = () => {
    if (document.visibilityState === 'visible') wakeUp();
  };
  window.addEventListener('online', wakeUp);
  document.addEventListener('visibilitychange', onVisible);

  const client: Client = createClient({
    url,
    lazy: !token,
    connectionParams: token ? { authToken: token } : undefined,
    retryAttempts: Infinity,
    shouldRetry: (event) => !disposed && !refusesOrigin(event),
    keepAlive: token ? PING_INTERVAL_MS : 0,
    retryWait: (retries) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, backoffMs(retries));
        function done() {
          clearTimeout(timer);
          wake = undefined;
          if (!disposed) resolve(); // a disposed transport never opens another socket
        }
        wake = done;
      }),
    onNonLazyError: () => undefined,
    on: {
      connecting: () => setState(state === 'online' ? 'offline' : state),
      connected: () => {
        setState('online');
        for (const l of listeners) l.connected?.();
      },
      closed: (event) => {
        clearTimeout(pongTimer);
        if (disposed) return;
        setState('offline');
        const code = (event as { code?: number } | undefined)?.code;
        if (refusesOrigin(event)) {
          for (const l of listeners) l.originRefused?.();
        } else if (code === CloseCode.Forbidden || code === CloseCode.Unauthorized) {
          for (const l of listeners) l.rejected?.();
        }
      },
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => client.terminate(), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  return {
    request<R, V>(document: TypedDocument<R, V>, variables: V): Pending<R> {
      let unsubscribe = () => undefined as void;
      // graphql-ws completes an operation it was told to stop: without this its result would fail ("No data")
      // after cancel(), where a Pending's promise never settles, and a caller would act on a stale answer.
      let cancelled = false;
      const result = new Promise<R>((resolve, reject) => {
        let data: R | undefined;
        unsubscribe = client.subscribe<R>(
          { query: document.toString(), variables: variables as Record<string, unknown> },
          {
            next: (value) => {
              if (cancelled) return;
              if (value.errors?.length) reject(toOperationError(value.errors));
              else data = value.data as R;
            },
            error: (error) => void (cancelled || reject(toOperationError(error))),
            complete: () => {
              if (!cancelled) void (data === undefined ? reject(new OperationError('No data')) : resolve(data));
            },
          },
        );
      });
      return {
        result,
        cancel: () => {
          cancelled = true;
          unsubscribe();
        },
      };
    },
    subscribe<R, V>(document: TypedDocument<R, V>, variables: V, sink: SubscriptionSink<R>): () => void {
      return client.subscribe<R>(
        { query: document.toString(), variables: variables as Record<string, unknown> },
        {
          next: (value) => {
            if (value.errors?.length) sink.error(toOperationError(value.errors));
            else if (value.data) sink.next(value.data);
          },
          error: (error) => sink.error(toOperationError(error)),
          complete: () => undefined,
        },
      );
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      disposed = true;
      clearTimeout(pongTimer);
      window.removeEventListener('online', wakeUp);
      document.removeEventListener('visibilitychange', onVisible);
      wakeUp();
      listeners.clear();
      Promise.resolve(client.dispose()).catch(() => undefined); // rejects when disposed while (re)connecting
    },
  };
}
