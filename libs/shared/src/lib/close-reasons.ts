/**
 * Close reason (RFC 6455 §7.1.6) of a WebSocket the API refuses because its page origin is not in
 * `ALLOWED_ORIGINS` (close code 4403, graphql-ws' `CloseCode.Forbidden`, as for a refused token, whose reason
 * is graphql-ws' `Forbidden`). Clients tell the two apart by this text: a refused token is answered by
 * creating a new visitor, a refused origin by nothing at all (the widget shows that chat is not available on
 * this site). Part of the API's contract: do not reword it.
 */
export const ORIGIN_REFUSED_REASON = 'Origin not allowed (ALLOWED_ORIGINS)';
