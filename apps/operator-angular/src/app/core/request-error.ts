import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { ErrorCode } from '@parley/shared';

/**
 * A failed GraphQL request, reduced to what the console branches on: the API's `extensions.code`
 * (from `@parley/shared` `ErrorCode`) or, when the API could not be reached, `network: true`.
 */
export class RequestError extends Error {
  constructor(
    message: string,
    /** `extensions.code` of the first GraphQL error; `undefined` for network failures. */
    readonly code: string | undefined,
    /** The API did not answer (offline, restarting, timed out): the same request may succeed later. */
    readonly network: boolean,
    /** `extensions.retryAfterSeconds` (seconds; set with `RATE_LIMITED`): no try of the same request sooner. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }

  /** Worth trying the same request again later (network trouble, rate limit, server hiccup). */
  get retryable(): boolean {
    return this.network || this.code === ErrorCode.RATE_LIMITED || this.code === 'INTERNAL_SERVER_ERROR';
  }
}

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

/** Turns whatever Apollo, graphql-ws or `HttpClient` threw into a {@link RequestError}. */
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
    return new RequestError(error.message, error.statusCode >= 500 ? 'INTERNAL_SERVER_ERROR' : undefined, error.statusCode >= 500);
  }
  if (Array.isArray(error)) return fromGraphQLErrors(error as GraphQLErrorLike[]);
  const message = error instanceof Error ? error.message : String(error);
  return new RequestError(message || 'The server could not be reached', undefined, true);
}

/** `extensions.code` of an error, if it carries one. */
export function errorCodeOf(error: unknown): string | undefined {
  return toRequestError(error).code;
}
