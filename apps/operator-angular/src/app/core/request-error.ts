import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { ErrorCode } from '@parley/shared';

/**
 * A failed GraphQL request, reduced to what the console branches on: the API's `extensions.code`
 * (from `@parley/shared` `ErrorCode`) or, when the API could not be reached, `network: true`.
 */
export class RequestError extends Error {
  constructor(
    /** Words an operator can read: for network failures {@link NO_CONNECTION} or {@link NO_ANSWER}, never the browser's text. */
    message: string,
    /** `extensions.code` of the first GraphQL error; `undefined` for network failures. */
    readonly code: string | undefined,
    /** The API did not answer (offline, restarting, timed out): the same request may succeed later. */
    readonly network: boolean,
    /** `extensions.retryAfterSeconds` (seconds; set with `RATE_LIMITED`): no try of the same request sooner. */
    readonly retryAfterSeconds?: number,
    /** What was thrown (e.g. `HttpClient`'s "Http failure response for /graphql: 0 undefined"), for debugging. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RequestError';
  }

  /** Worth trying the same request again later (network trouble, rate limit, server hiccup). */
  get retryable(): boolean {
    return this.network || this.code === ErrorCode.RATE_LIMITED || this.code === 'INTERNAL_SERVER_ERROR';
  }
}

/** The message of a request that got no answer at all (offline, connection refused or dropped, answer lost). */
export const NO_CONNECTION = 'No connection to the server';
/** The message of a request answered by a proxy's 5xx without a GraphQL body (the API itself did not answer). */
export const NO_ANSWER = 'The server is not answering right now';

interface GraphQLErrorLike {
  message?: unknown;
  extensions?: { code?: unknown; retryAfterSeconds?: unknown } | null;
}

function fromGraphQLErrors(errors: readonly GraphQLErrorLike[]): RequestError {
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  const message = typeof first?.message === 'string' ? first.message : 'The request failed';
  const retryAfter = first?.extensions?.retryAfterSeconds;
  return new RequestError(message, code, false, typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter : undefined);
}

/**
 * Turns whatever Apollo, graphql-ws or `HttpClient` threw into a {@link RequestError}. A request with no
 * answer (or a proxy's 5xx) is `network: true` with readable words ({@link NO_CONNECTION}, {@link NO_ANSWER});
 * what the browser said is the error's `cause`.
 */
export function toRequestError(error: unknown): RequestError {
  if (error instanceof RequestError) return error;
  if (CombinedGraphQLErrors.is(error)) return fromGraphQLErrors(error.errors);
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: GraphQLErrorLike[] };
      if (Array.isArray(body.errors) && body.errors.length > 0) return fromGraphQLErrors(body.errors);
    } catch {
      // not a GraphQL body
    }
    // A proxy's 429 (RFC 6585 §4) is the API's RATE_LIMITED by another hand; any other 4xx has no code.
    if (error.statusCode === 429) return new RequestError(error.message, ErrorCode.RATE_LIMITED, false);
    if (error.statusCode >= 500) return new RequestError(`${NO_ANSWER} (HTTP ${error.statusCode})`, 'INTERNAL_SERVER_ERROR', true, undefined, error);
    return new RequestError(error.message, undefined, false);
  }
  if (Array.isArray(error)) return fromGraphQLErrors(error as GraphQLErrorLike[]);
  // No answer at all: what HttpClient or fetch say about it ("Http failure response for /graphql: 0 undefined",
  // "Failed to fetch") means nothing to an operator; it is kept as the cause.
  return new RequestError(NO_CONNECTION, undefined, true, undefined, error);
}

/** `extensions.code` of an error, if it carries one. */
export function errorCodeOf(error: unknown): string | undefined {
  return toRequestError(error).code;
}
