import type { ArrivalTurn } from '../messages/arrival-order';
/** Who is calling: a visitor with a guest token, or a signed-in operator. */
export type Principal =
  | { kind: 'visitor'; visitorId: string; /** token expiry, Unix seconds */ expiresAt: number }
  | { kind: 'operator'; operatorId: string; /** token expiry, Unix seconds */ expiresAt: number };

export type PrincipalKind = Principal['kind'];

export type VisitorPrincipal = Extract<Principal, { kind: 'visitor' }>;
export type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;

/** What every resolver finds in its GraphQL context, for HTTP and WebSocket alike. */
export interface RequestContext {
  /** Absent when the caller sent no token. */
  principal?: Principal;
  /** Set when a token was sent but is malformed or expired: every operation then fails `UNAUTHENTICATED`. */
  authError?: string;
  /** Client IP (behind `TRUST_PROXY`), for per-IP limits. */
  ip?: string;
  /** Express request (HTTP only). */
  req?: unknown;
  /** A mutation's turn among its WebSocket connection's mutations (WebSocket only). */
  arrival?: ArrivalTurn;
}
