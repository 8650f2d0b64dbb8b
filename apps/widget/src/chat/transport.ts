/** A typed GraphQL document as codegen produces it (a string that knows its result and variables). */
export interface TypedDocument<TResult, TVariables> {
  toString(): string;
  /** Phantom: carries the result and variable types. */
  __apiType?: (variables: TVariables) => TResult;
}

/** Where the connection to the API stands. */
export type ConnectionState = 'connecting' | 'online' | 'offline';

/**
 * The widget's own code for "the API refuses sockets from this page's origin" (not in its `ALLOWED_ORIGINS`):
 * final, nothing can be sent from this site until the server's configuration changes.
 */
export const ORIGIN_REFUSED = 'ORIGIN_REFUSED';

/** A GraphQL error (or a transport failure) with the API's `extensions.code`, when there is one. */
export class OperationError extends Error {
  constructor(
    message: string,
    /** `extensions.code` from `@parley/shared` `ErrorCode`; undefined for a network failure. */
    readonly code?: string,
    /** `extensions.retryAfterSeconds` of a `RATE_LIMITED` answer, in ms: no retry is allowed sooner. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/** A running operation that can be abandoned. */
export interface Pending<T> {
  readonly result: Promise<T>;
  /** Stops waiting (and tells the server). The promise then never settles. */
  cancel(): void;
}

/** Callbacks of {@link Transport.subscribe}. */
export interface SubscriptionSink<T> {
  next(data: T): void;
  error(error: OperationError): void;
}

/**
 * How the chat panel talks to the API: every query, mutation and subscription over one graphql-ws
 * connection. Operations started while disconnected wait, and ones cut off by a lost connection are sent
 * again after reconnecting (mutations the widget sends are idempotent).
 */
export interface Transport {
  /** Runs a query or mutation; resolves with its data, rejects with an {@link OperationError}. */
  request<R, V>(document: TypedDocument<R, V>, variables: V): Pending<R>;
  /** Starts a subscription; returns a function that ends it. */
  subscribe<R, V>(document: TypedDocument<R, V>, variables: V, sink: SubscriptionSink<R>): () => void;
  /**
   * Called on every state change; `connected` after each (re)connection is acknowledged; `rejected` when the
   * API refuses the token; `originRefused` when it refuses this page's origin (no reconnection follows).
   */
  listen(listener: { state?(state: ConnectionState): void; connected?(): void; rejected?(): void; originRefused?(): void }): () => void;
  /** Closes the connection for good. */
  dispose(): void;
}

/** Makes a transport: authenticated with `token`, or anonymous (only `createVisitor`) without. */
export type TransportFactory = (url: string, token: string | undefined) => Transport;
