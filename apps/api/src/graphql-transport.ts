import type { Request } from 'express';
import type { Context as WsContext } from 'graphql-ws';
import { RequestContext } from './auth/principal';
import { TokenService } from './auth/token.service';

type TransportArg = { req?: Request } & Partial<WsContext<{ authToken?: unknown }>>;

/**
 * Builds the GraphQL context for both transports. HTTP: `Authorization: Bearer <token>`.
 * WebSocket: `connectionParams.authToken`, verified again for every operation, so an expired token stops
 * working on an open socket too.
 */
export function graphqlContext(tokens: TokenService) {
  return (arg: TransportArg): RequestContext => {
    if (arg.req) return { req: arg.req, ...tokens.contextFromToken(arg.req.headers.authorization) };
    return tokens.contextFromToken(arg.connectionParams?.authToken);
  };
}

/**
 * graphql-ws server options. A socket may connect without a token (a new widget calls `createVisitor`
 * over it); a socket presenting a malformed or expired token is refused in `onConnect`, which graphql-ws
 * answers with close code 4403 (`CloseCode.Forbidden`).
 */
export function graphqlWsOptions(tokens: TokenService) {
  return {
    onConnect: (ctx: WsContext<{ authToken?: unknown }>): boolean => {
      const { authError } = tokens.contextFromToken(ctx.connectionParams?.authToken);
      return authError === undefined;
    },
  };
}
