import type { Request } from 'express';
import { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { RequestContext } from './auth/principal';
import { TokenService } from './auth/token.service';
import { formatGraphQLError } from './common/format-graphql-error';
import { PresenceService } from './presence/presence.service';

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
 * answers with close code 4403 (`CloseCode.Forbidden`). An accepted socket with a token keeps its operator
 * or visitor present until it closes (`onDisconnect`); see {@link PresenceService}.
 */
export function graphqlWsOptions(tokens: TokenService, presence: PresenceService) {
  return {
    // Apollo's formatError covers HTTP only: give WebSocket results the same `extensions.code`s.
    onNext: (_ctx: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) =>
      result.errors?.length ? { ...result, errors: result.errors.map(formatWsError) } : result,
    onError: (_ctx: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) => errors.map(formatWsError),
    onConnect: (ctx: WsContext<{ authToken?: unknown }>): boolean => {
      const { principal, authError } = tokens.contextFromToken(ctx.connectionParams?.authToken);
      if (authError !== undefined) return false;
      presence.socketOpened(ctx, principal);
      return true;
    },
    onDisconnect: (ctx: WsContext) => presence.socketClosed(ctx),
  };
}

function formatWsError(error: GraphQLError): GraphQLError {
  const formatted: GraphQLFormattedError = formatGraphQLError(error.toJSON(), error);
  return new GraphQLError(formatted.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: formatted.path,
    extensions: formatted.extensions,
  });
}
