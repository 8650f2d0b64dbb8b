import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Principal } from './principal';

interface TokenClaims {
  sub: string;
  /** `v` visitor guest token, `o` operator access token. */
  typ: 'v' | 'o';
  exp: number;
}

/** Outcome of {@link TokenService.verify}. */
export type TokenCheck = { ok: true; principal: Principal } | { ok: false; reason: string };

/** How many verified tokens {@link TokenService.verify} remembers. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies Parley's JWTs (RFC 7519, HS256). Visitor guest tokens live
 * `VISITOR_TOKEN_TTL_SECONDS`, operator access tokens `OPERATOR_TOKEN_TTL_SECONDS`.
 */
@Injectable()
export class TokenService {
  /**
   * Tokens whose signature already checked out, with their principal. A WebSocket sends the same token
   * with every operation: verifying it once saves the HMAC and jsonwebtoken's key parsing (a third of
   * a message's CPU before this cache). Expiry is still checked on every use.
   */
  private readonly verified = new Map<string, Principal>();

  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A guest token for a visitor. */
  signVisitor(visitorId: string): string {
    return this.jwt.sign({ sub: visitorId, typ: 'v' }, { expiresIn: this.config.visitorTokenTtlSeconds });
  }

  /** An access token for an operator; expires after `OPERATOR_TOKEN_TTL_SECONDS`. */
  signOperator(operatorId: string): string {
    return this.jwt.sign({ sub: operatorId, typ: 'o' }, { expiresIn: this.config.operatorTokenTtlSeconds });
  }

  /**
   * Verifies signature, algorithm and expiry; never throws. With `remember` false the token is checked
   * but not added to the cache (a WebSocket verifies its token once and keeps the principal).
   */
  verify(token: string, remember = true): TokenCheck {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt * 1000 > Date.now()) return { ok: true, principal: known };
      this.verified.delete(token);
      return { ok: false, reason: 'Token expired' };
    }
    const check = this.verifySignature(token);
    if (check.ok && remember) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, check.principal);
    }
    return check;
  }

  private verifySignature(token: string): TokenCheck {
    let claims: TokenClaims;
    try {
      claims = this.jwt.verify<TokenClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      const expired = (error as Error).name === 'TokenExpiredError';
      return { ok: false, reason: expired ? 'Token expired' : 'Malformed or invalid token' };
    }
    // Every account id is a UUID (RFC 9562); anything else was never signed by this API for a real account.
    if (typeof claims.sub !== 'string' || !isUUID(claims.sub) || typeof claims.exp !== 'number') {
      return { ok: false, reason: 'Malformed or invalid token' };
    }
    if (claims.typ === 'v') return { ok: true, principal: { kind: 'visitor', visitorId: claims.sub, expiresAt: claims.exp } };
    if (claims.typ === 'o') return { ok: true, principal: { kind: 'operator', operatorId: claims.sub, expiresAt: claims.exp } };
    return { ok: false, reason: 'Malformed or invalid token' };
  }

  /**
   * Builds the request context from a raw `Authorization` header value (`Bearer <token>`)
   * or a WebSocket `connectionParams.authToken`; `remember` as in {@link verify}.
   */
  contextFromToken(raw: unknown, remember = true): { principal?: Principal; authError?: string } {
    if (raw === undefined || raw === null || raw === '') return {};
    if (typeof raw !== 'string') return { authError: 'Malformed or invalid token' };
    const token = raw.startsWith('Bearer ') ? raw.slice(7).trim() : raw.trim();
    const check = this.verify(token, remember);
    return check.ok ? { principal: check.principal } : { authError: check.reason };
  }

  /**
   * The request context of a principal verified earlier (a WebSocket's, from `connection_init`): the
   * principal while its token's `exp` (RFC 7519 §4.1.4) is in the future, else `authError`
   * 'Token expired'; no principal, no error for an anonymous socket.
   */
  contextFromPrincipal(principal: Principal | undefined): { principal?: Principal; authError?: string } {
    if (!principal) return {};
    return principal.expiresAt * 1000 > Date.now() ? { principal } : { authError: 'Token expired' };
  }
}
