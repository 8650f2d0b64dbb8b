import { ErrorCode } from '@parley/shared';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError } from './domain-error';
import { isServiceUnavailable, isUnstorableText } from './service-unavailable';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Apollo's own codes for documents and variables that do not fit the schema: all bad input for a client. */
const APOLLO_INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * graphql-js' (and graphql-jit's) own errors for an argument that does not fit its type, raised while
 * executing (`getArgumentValues`): e.g. a variable with a default used where a non-null value is
 * required, sent as `null` (GraphQL spec §5.8.5 allows the document; the value is refused at run time).
 * They carry no `originalError` and no code of their own.
 */
const ARGUMENT_ERROR = /^Argument "[^"]+" (?:has invalid value|of non-null type|of required type)/;

function isArgumentError(error: unknown): boolean {
  return error instanceof GraphQLError && error.originalError === undefined && ARGUMENT_ERROR.test(error.message);
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
 * - Apollo's parse/validation errors, and graphql's own errors for an argument that does not fit its
 *   type ({@link ARGUMENT_ERROR}) → `BAD_USER_INPUT`;
 * - text PostgreSQL cannot store, a NUL character ({@link isUnstorableText}) → `BAD_USER_INPUT`;
 * - PostgreSQL or Redis unreachable, restarting or shutting down ({@link isServiceUnavailable}) →
 *   `SERVICE_UNAVAILABLE` with `extensions.retryable: true` (details hidden);
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
  if (isArgumentError(original)) {
    return { ...base, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (isUnstorableText(original)) {
    return { ...base, message: 'Text must not contain NUL characters (U+0000)', extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (isServiceUnavailable(original)) {
    return {
      ...base,
      message: 'The service is briefly unavailable; retry the request',
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && (KNOWN_CODES.has(code) || APOLLO_INPUT_CODES.has(code))) {
    return { ...base, extensions: { code: APOLLO_INPUT_CODES.has(code) ? ErrorCode.BAD_USER_INPUT : code } };
  }
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
