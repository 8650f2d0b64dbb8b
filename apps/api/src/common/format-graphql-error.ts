import { ErrorCode } from '@parley/shared';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError } from './domain-error';
import { isServiceUnavailable } from './service-unavailable';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Apollo's own codes for documents and variables that do not fit the schema: all bad input for a client. */
const APOLLO_INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * The codes of Apollo's automatic persisted queries protocol (Apollo Server docs, "Automatic persisted
 * queries"), kept as Apollo words them: `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`) asks
 * the client to send the document's text with its hash, `PERSISTED_QUERY_NOT_SUPPORTED` to stop sending
 * hashes. Apollo Client's `PersistedQueryLink` (and other APQ clients) act on exactly these; any other
 * answer reads to them as a failed request.
 */
const PERSISTED_QUERY_CODES = new Set(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/**
 * graphql-js' (and graphql-jit's) own errors for an argument that does not fit its type, raised while
 * executing (`getArgumentValues`): e.g. a variable with a default used where a non-null value is
 * required, sent as `null` (GraphQL spec §5.8.5 allows the document; the value is refused at run time).
 * They carry no `originalError` and no code of their own.
 */
const ARGUMENT_ERROR = /^Argument "[^"]+" (?:has invalid value|of non-null type|of required type)/;

/**
 * Apollo Server's own refusals of a request that carry an HTTP 4xx status and no code, e.g. its automatic
 * persisted queries' "provided sha does not match query" and "Unsupported persisted query version": the
 * client's error, raised for the request itself (no `originalError`).
 */
function isApolloRequestRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.originalError !== undefined || error.extensions?.code !== undefined) return false;
  const status = (error.extensions?.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function isArgumentError(error: unknown): boolean {
  return error instanceof GraphQLError && error.originalError === undefined && ARGUMENT_ERROR.test(error.message);
}

/**
 * The error our own code or a driver (pg, knex, ioredis, MikroORM) raised beneath `error`: the innermost
 * `originalError` that is not itself a {@link GraphQLError} (Apollo wraps graphql-js' errors in GraphQLErrors,
 * graphql-js wraps a resolver's), or `error` itself when it is not a GraphQLError. `undefined` when the chain
 * ends in a GraphQLError with no `originalError`: graphql-js or Apollo raised it for the request itself.
 */
function ownError(error: unknown): unknown {
  let current = error;
  for (let depth = 0; current instanceof GraphQLError; depth++) {
    if (current.originalError === undefined || depth > 16) return undefined;
    current = current.originalError;
  }
  return current;
}

/**
 * Whether `formatted` carries one of Apollo's codes for a request that does not fit the schema or the
 * protocol ({@link APOLLO_INPUT_CODES}, and any `PERSISTED_QUERY_*`): the client's error, whatever its message says.
 */
function hasInputCode(formatted: GraphQLFormattedError): boolean {
  const code = formatted.extensions?.code;
  return typeof code === 'string' && (APOLLO_INPUT_CODES.has(code) || code.startsWith('PERSISTED_QUERY_'));
}

/**
 * Extensions that are about the server, never the client's to see, whatever their shape: Apollo's
 * `stacktrace` (with `includeStacktraceInErrorResponses`), `exception` (the original error's properties, as
 * Apollo Server 2–3 and libraries modelled on it put them) and `http` (Apollo's instructions to its HTTP
 * layer, a status and headers: Apollo strips it over HTTP, a graphql-ws result would carry it).
 */
const SERVER_EXTENSIONS = new Set(['stacktrace', 'exception', 'http']);

/**
 * The extensions of `formatted` a client may see: those whose values are JSON scalars (a string, a number, a
 * boolean, null), as the details the API's own errors carry (`retryable`, `retryAfterSeconds`, `field`),
 * except the {@link SERVER_EXTENSIONS}. Objects and arrays are left out too: an error raised for the client
 * says what it has to say in scalars, and an error's internals (a cause, a stack) come as objects or arrays.
 */
function clientExtensions(formatted: GraphQLFormattedError): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(formatted.extensions ?? {})) {
    const scalar = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (scalar && !SERVER_EXTENSIONS.has(key)) kept[key] = value;
  }
  return kept;
}

interface HttpLikeError {
  getStatus(): number;
  getResponse(): unknown;
}

function isHttpLike(error: unknown): error is HttpLikeError {
  return typeof (error as HttpLikeError)?.getStatus === 'function';
}

function messageOfValidation(response: unknown): string | undefined {
  const message = (response as { message?: unknown })?.message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}

/**
 * The one place errors become GraphQL errors. Every error leaving the API carries an
 * `extensions.code` from {@link ErrorCode}:
 * - a {@link DomainError} keeps its code and details;
 * - Nest validation (`ValidationPipe`, HTTP 400) → `BAD_USER_INPUT`; 401 → `UNAUTHENTICATED`; 403 → `FORBIDDEN`;
 * - Apollo's parse/validation errors, its refusals of a request with an HTTP 4xx status and no code
 *   ({@link isApolloRequestRefusal}), and graphql's own errors for an argument that does not fit its
 *   type ({@link ARGUMENT_ERROR}) → `BAD_USER_INPUT`;
 * - Apollo's automatic persisted queries answers ({@link PERSISTED_QUERY_CODES}) stay as they are: they are
 *   the protocol's requests to the client, not failures;
 * - PostgreSQL or Redis unreachable, restarting or shutting down ({@link isServiceUnavailable}) →
 *   `SERVICE_UNAVAILABLE` with `extensions.retryable: true` (details hidden). Only an error our code or a
 *   driver raised ({@link ownError}) is matched against the outage phrases; the client's request never is:
 *   an error with an Apollo input code ({@link hasInputCode}) or one graphql-js raised with no
 *   `originalError` beneath it keeps its input code (`BAD_USER_INPUT`) whatever its message echoes
 *   (an operationName or a variable value "Connection terminated");
 * - an error with no domain error beneath it but a code of {@link ErrorCode} or an Apollo input code
 *   (graphql-ws guardrails' `RATE_LIMITED`, GraphQL Armor's, Apollo's) keeps that code (an Apollo input code
 *   becomes `BAD_USER_INPUT`) and the extensions its raiser set for the client ({@link clientExtensions}:
 *   e.g. `retryAfterSeconds`, `retryable`; never a stack trace or an exception's internals);
 * - anything else is an internal error: message hidden, `INTERNAL_SERVER_ERROR`, logged by the caller.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

  if (original instanceof DomainError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
  }
  if (isHttpLike(original)) {
    const status = original.getStatus();
    const code =
      status === 401 ? ErrorCode.UNAUTHENTICATED : status === 403 ? ErrorCode.FORBIDDEN : status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.BAD_USER_INPUT;
    if (status < 500) {
      return { ...base, message: messageOfValidation(original.getResponse()) ?? formatted.message, extensions: { code } };
    }
  }
  if (isArgumentError(original) || isApolloRequestRefusal(error)) {
    return { ...base, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PERSISTED_QUERY_CODES.has(code) && ownError(error) === undefined) {
    return { ...base, extensions: { code } };
  }
  // Only an error of our own code or a driver may say the service is down: the client's request (an Apollo
  // input code, or graphql-js' own error with nothing beneath it) echoes the client's text, e.g. an
  // operationName or a variable value "Connection terminated", and must never read as a retryable outage.
  const own = hasInputCode(formatted) ? undefined : ownError(error);
  if (own !== undefined && isServiceUnavailable(own)) {
    return {
      ...base,
      message: 'The service is briefly unavailable; retry the request',
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true },
    };
  }
  if (typeof code === 'string' && (KNOWN_CODES.has(code) || APOLLO_INPUT_CODES.has(code))) {
    return { ...base, extensions: { ...clientExtensions(formatted), code: APOLLO_INPUT_CODES.has(code) ? ErrorCode.BAD_USER_INPUT : code } };
  }
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * The JSON body of an HTTP error answered outside GraphQL's own error handling: a GraphQL response
 * (`{ "errors": [{ "message", "extensions": { "code", … } }] }`) whose one error is `error` as
 * {@link formatGraphQLError} formats it, so a client reads these answers as it reads GraphQL's own. E.g. the
 * 503s of a drain and of a plain route such as `GET /metrics` during an outage (`extensions.code`
 * `SERVICE_UNAVAILABLE` with `retryable: true`), the 413 of a request body over its limit (`BAD_USER_INPUT`).
 */
export function errorResponseBody(error: Error): string {
  return JSON.stringify({ errors: [formatGraphQLError({ message: error.message }, error)] });
}

