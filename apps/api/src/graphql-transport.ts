import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { Request } from 'express';
import { ErrorCode } from '@parley/shared';
import { ExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { SubscribePayload, Context as WsContext } from 'graphql-ws';
import type { Server as HttpServer } from 'node:http';
import { AccountStatusService } from './auth/account-status.service';
import { ConnectionRegistry } from './auth/connection-registry';
import { RequestContext } from './auth/principal';
import { TokenService } from './auth/token.service';
import { formatGraphQLError } from './common/format-graphql-error';
import { isServiceUnavailable } from './common/service-unavailable';
import { executeCompiled, subscribeCompiled } from './common/compiled-execution';
import { internQueryText } from './common/graphql-document-cache';
import { GracefulShutdown } from './lifecycle/graceful-shutdown.service';
import { ArrivalOrder, mutationShape } from './messages/arrival-order';
import { PresenceService } from './presence/presence.service';
import { GraphqlWsServer, serveGraphqlWs } from './realtime/graphql-ws-server';
import { pushSubscriptions } from './realtime/pushed-subscription';
import { MAX_BODY_BYTES } from './security/http-security';
import { WsExtra, WsGuardrails, WsHookContext } from './security/ws-guardrails';

/** Where GraphQL is served, over HTTP (Apollo) and WebSocket alike. */
export const GRAPHQL_PATH = '/graphql';

/** What this transport keeps per socket beside {@link WsExtra}. */
interface TransportExtra extends WsExtra {
  /** The order its mutations arrived in; made with the first. */
  arrivals?: ArrivalOrder;
}

type TransportArg = { req?: Request } & Partial<WsContext<{ authToken?: unknown }, TransportExtra>>;

/**
 * Builds the GraphQL context for both transports. HTTP: `Authorization: Bearer <token>`.
 * WebSocket: the principal verified from `connectionParams.authToken` when the socket connected, its
 * expiry checked again for every operation, so an expired token stops working on an open socket too, and a
 * mutation's turn among the socket's mutations ({@link ArrivalOrder}).
 * @param id the graphql-ws operation id (WebSocket only)
 */
export function graphqlContext(tokens: TokenService) {
  return (arg: TransportArg, id?: string): RequestContext => {
    if (arg.req) return { req: arg.req, ip: arg.req.ip, ...tokens.contextFromToken(arg.req.headers.authorization) };
    const extra = arg.extra;
    const arrival = id === undefined ? undefined : extra?.arrivals?.turnOf(id);
    // Worked out once, when the socket was admitted (WsGuardrails.admit).
    return { ip: extra?.countedIp, arrival, ...tokens.contextFromPrincipal(extra?.principal) };
  };
}

/**
 * graphql-ws server options. A socket may connect without a token (a new widget calls `createVisitor`
 * over it); a socket presenting a malformed or expired token or a disabled operator's token, or coming
 * from a page origin not in `ALLOWED_ORIGINS`, is refused in `onConnect`, which graphql-ws answers with
 * close code 4403 (`CloseCode.Forbidden`) — or 1013 (retried by clients) when PostgreSQL cannot tell
 * whether an operator is disabled; too many sockets from one IP get 4429 ({@link WsGuardrails}). Every operation
 * passes {@link WsGuardrails.check} first. An accepted socket with a token keeps its operator or visitor
 * present until it closes (`onDisconnect`); see {@link PresenceService}. Authenticated sockets are closed
 * when their token expires (4401) or their operator is disabled (4403); see {@link ConnectionRegistry}.
 */
export function graphqlWsOptions(
  tokens: TokenService,
  guardrails: WsGuardrails,
  presence: PresenceService,
  connections: ConnectionRegistry,
  accounts: AccountStatusService,
) {
  const pushOperation = pushSubscriptions(formatWsResult);
  return {
    // Operations run as compiled functions (graphql-jit), one per document.
    execute: executeCompiled,
    subscribe: subscribeCompiled,
    onSubscribe: (ctx: WsHookContext, id: string, payload: SubscribePayload) => {
      // A running subscription keeps its message: share one copy of each operation text between sockets.
      if (typeof payload.query === 'string') (payload as { query: string }).query = internQueryText(payload.query);
      const args = guardrails.check(ctx, payload);
      if (Array.isArray(args)) return args;
      // Called in the order the socket's frames arrived: a mutation takes its turn here and starts when it comes.
      const shape = mutationShape(args.document, args.operationName);
      if (shape === undefined) return args;
      const extra = ctx.extra as TransportExtra;
      const waiting = (extra.arrivals ??= new ArrivalOrder()).arrive(id, shape);
      return waiting ? waiting.then(() => args) : args;
    },
    // A subscription whose stream can push is sent event by event rather than pulled by graphql-ws.
    onOperation: (ctx: WsHookContext, id: string, payload: SubscribePayload, args: unknown, result: unknown) => {
      // Executed: the mutations waiting for it may start (also after a message refused before the writer).
      (ctx.extra as TransportExtra).arrivals?.leave(id);
      return pushOperation(ctx, id, payload, args, result);
    },
    onNext: (_ctx: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) => formatWsResult(result),
    onError: (_ctx: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) =>
      errors.map((error) => formatWsError(error)),
    onConnect: async (ctx: WsHookContext): Promise<boolean> => {
      const params = ctx.connectionParams as { authToken?: unknown } | undefined;
      const { principal, authError } = tokens.contextFromToken(params?.authToken, false);
      if (authError !== undefined) return false;
      // A disabled operator's token stays valid until it expires: refuse it here, before presence counts it.
      if (principal?.kind === 'operator' && !(await operatorMayConnect(accounts, principal.operatorId, ctx))) return false;
      if (!guardrails.admit(ctx)) return false;
      // Verified once: operations use the principal, and the socket keeps no copy of the token.
      if (params) delete params.authToken;
      const extra = ctx.extra as WsExtra;
      extra.principal = principal;
      if (principal) connections.track(extra.socket, principal);
      presence.socketOpened(ctx, principal);
      return true;
    },
    onDisconnect: (ctx: WsContext) => presence.socketClosed(ctx),
    onClose: (ctx: WsHookContext) => {
      // Also after an operation that failed outside GraphQL's errors (graphql-ws then closes the socket).
      (ctx.extra as TransportExtra).arrivals?.leaveAll();
      connections.forget((ctx.extra as WsExtra).socket);
      guardrails.release(ctx);
    },
  };
}

/** Close code 1013 "Try Again Later" (IANA WebSocket Close Code registry): graphql-ws clients retry it. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * Whether an operator's socket may connect: only while the account is active. When PostgreSQL cannot
 * say (unreachable, restarting), the socket is closed with {@link CLOSE_TRY_AGAIN_LATER}, which the
 * console's client retries, rather than with an error code it would give up on.
 */
async function operatorMayConnect(accounts: AccountStatusService, operatorId: string, ctx: WsHookContext): Promise<boolean> {
  try {
    return (await accounts.operatorStatus(operatorId)) === 'active';
  } catch (error) {
    if (!isServiceUnavailable(error)) throw error;
    (ctx.extra as WsExtra).socket.close(CLOSE_TRY_AGAIN_LATER, 'Service briefly unavailable; try again');
    return false;
  }
}

/**
 * A WebSocket result with the `extensions.code`s HTTP would give its errors (Apollo's `formatError` covers
 * HTTP only); a result without errors is returned as it is.
 */
function formatWsResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  // No `data` entry: the errors were raised before execution began (GraphQL spec, "Response").
  const beforeExecution = !('data' in result);
  return { ...result, errors: result.errors.map((error) => formatWsError(error, beforeExecution)) };
}

/**
 * A WebSocket result's error with the `extensions.code` HTTP would give it ({@link formatGraphQLError}).
 * An error raised before execution began with no error beneath it (GraphQL spec, "Executing Requests":
 * GetOperation, CoerceVariableValues; graphql-jit's own messages) is the client's request:
 * `BAD_USER_INPUT`, as Apollo answers it over HTTP.
 */
function formatWsError(error: GraphQLError, beforeExecution = false): GraphQLError {
  // graphql-jit's errors have no `extensions` object at all, though GraphQLError's type says they do.
  const extensions = error.extensions as GraphQLError['extensions'] | undefined;
  const request = beforeExecution && !error.originalError && extensions?.code === undefined;
  const json = error.toJSON();
  const formatted: GraphQLFormattedError = formatGraphQLError(
    request ? { ...json, extensions: { code: ErrorCode.BAD_USER_INPUT } } : json,
    error,
  );
  return new GraphQLError(formatted.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: formatted.path,
    extensions: formatted.extensions,
  });
}

/**
 * The WebSocket endpoint: GraphQL over WebSocket (`graphql-transport-ws`) on {@link GRAPHQL_PATH} of the
 * HTTP server, with {@link graphqlWsOptions} behind {@link GracefulShutdown.wsOptions}. Started once the
 * schema is built (application bootstrap, before `listen`); stopped when the application closes (sockets
 * still open then get 1001 Going Away). Served by {@link serveGraphqlWs} rather than `@nestjs/graphql`'s own
 * `subscriptions` option, which keeps more per socket (bench/NOTES.md).
 */
@Injectable()
export class GraphqlWsTransport implements OnApplicationBootstrap, OnModuleDestroy {
  private server?: GraphqlWsServer;

  constructor(
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly guardrails: WsGuardrails,
    private readonly presence: PresenceService,
    private readonly connections: ConnectionRegistry,
    private readonly accounts: AccountStatusService,
    private readonly shutdown: GracefulShutdown,
  ) {}

  onApplicationBootstrap(): void {
    const options = this.shutdown.wsOptions(graphqlWsOptions(this.tokens, this.guardrails, this.presence, this.connections, this.accounts));
    this.server = serveGraphqlWs(
      this.adapterHost.httpAdapter.getHttpServer() as HttpServer,
      { ...options, schema: this.schemaHost.schema, context: graphqlContext(this.tokens) },
      // The same bound as an HTTP request body: a client frame is one operation or its answer to a ping.
      { path: GRAPHQL_PATH, maxPayloadBytes: MAX_BODY_BYTES },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.dispose();
    this.server = undefined;
  }
}
