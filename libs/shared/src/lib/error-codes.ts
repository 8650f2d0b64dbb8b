/**
 * Every value the API puts in a GraphQL error's `extensions.code`.
 * Clients (console, widget, integrators) branch on these and nothing else;
 * the list is fixed by DESIGN.md "Errors".
 */
export const ErrorCode = {
  /** No token, a malformed or expired token, or a token for an unknown principal. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Authenticated, but the principal may not do this (wrong role, someone else's session). */
  FORBIDDEN: 'FORBIDDEN',
  /** The id does not name an existing record (or one the caller may know about). */
  NOT_FOUND: 'NOT_FOUND',
  /** The input is invalid; nothing was written. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** `acceptSession` lost the race: another operator accepted the chat session first. */
  SESSION_ALREADY_TAKEN: 'SESSION_ALREADY_TAKEN',
  /** The chat session is `CLOSED`; it takes no more messages, typing or accepts. */
  SESSION_CLOSED: 'SESSION_CLOSED',
  /** Too many requests; `extensions.retryAfterSeconds` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * The API cannot serve the request right now: PostgreSQL or Redis is unreachable (restarting, failing
   * over), or this instance is shutting down. `extensions.retryable` is `true`: repeat the same request
   * after a short delay (a `sendMessage` with the same `clientMessageId`, so nothing is stored twice).
   * Nothing is left half-written (each write is one statement or one transaction), and a retry of the
   * same request completes what it started: a message may already be stored, and its retry returns it.
   */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes a client may safely retry the same request on (after a delay). */
export const RETRYABLE_ERROR_CODES: readonly ErrorCode[] = [ErrorCode.RATE_LIMITED, ErrorCode.SERVICE_UNAVAILABLE];
