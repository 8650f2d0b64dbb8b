import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { ErrorCode, ORIGIN_REFUSED_REASON } from '@parley/shared';
import { ExecutionArgs, getOperationAST, getVariableValues, GraphQLError, GraphQLSchema, OperationTypeNode, ValidationRule } from 'graphql';
import { CloseCode, type Context as WsContext, type SubscribePayload } from 'graphql-ws';
import { AppConfig } from '../config/app-config';
import type { Principal } from '../auth/principal';
import { APP_CONFIG } from '../config/config.module';
import type { WsTransportExtra } from '../realtime/graphql-ws-server';
import { cachedParse, cachedValidate } from '../common/graphql-document-cache';
import { clientIp } from './client-ip';
import { GRAPHQL_LIMITS, graphqlArmor, introspectionOff } from './graphql-limits';
import { isAllowedOrigin } from './origins';

/**
 * What graphql-ws gives hooks in `ctx.extra` ({@link WsTransportExtra}). The upgrade request is dropped
 * once the socket is admitted ({@link WsGuardrails.admit}), which keeps what later operations need
 * (`countedIp`): an idle widget then holds no request headers (bench (c)).
 */
export interface WsExtra extends WsTransportExtra {
  /** Who connected: verified from `connectionParams.authToken` in `onConnect`; absent for an anonymous socket. */
  principal?: Principal;
  /** Client IP, set once the socket is admitted and counted. */
  countedIp?: string;
}

/** The graphql-ws context as `@nestjs/graphql` types it; `extra` is a {@link WsExtra} with the `ws` server. */
export type WsHookContext = WsContext<Record<string, unknown> | undefined, unknown>;

/** Close code for a socket refused because its IP holds too many (RFC 6455 private range, like HTTP 429). */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

/**
 * Limits for WebSocket clients, which Apollo's HTTP plugins never see:
 * the page origin (`ALLOWED_ORIGINS`), sockets per client IP per instance (`WS_MAX_SOCKETS_PER_IP`),
 * operations running at once per socket (`WS_MAX_SUBSCRIPTIONS_PER_SOCKET`) and the same GraphQL Armor
 * limits (tokens, depth, aliases, directives, cost) and introspection refusal (`GRAPHQL_INTROSPECTION`) as HTTP.
 */
@Injectable()
export class WsGuardrails {
  private readonly socketsPerIp = new Map<string, number>();
  private readonly rules: ValidationRule[];
  private schema?: GraphQLSchema;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {
    this.rules = [...graphqlArmor().validationRules, ...(config.graphqlIntrospection ? [] : [introspectionOff])];
  }

  /**
   * Called from graphql-ws `onConnect`. Closes with 4403 and `ORIGIN_REFUSED_REASON` (`@parley/shared`) and returns false
   * for a page origin not allowed; closes with {@link CLOSE_TOO_MANY_SOCKETS} and returns false when the IP
   * already holds `WS_MAX_SOCKETS_PER_IP` sockets.
   */
  admit(ctx: WsHookContext): boolean {
    const extra = ctx.extra as WsExtra;
    const { request, socket } = extra;
    if (!request) return false;
    if (!isAllowedOrigin(request.headers.origin, this.config.allowedOrigins)) {
      socket.close(CloseCode.Forbidden, ORIGIN_REFUSED_REASON);
      return false;
    }
    const ip = clientIp(request, this.config.trustProxy);
    const open = this.socketsPerIp.get(ip) ?? 0;
    if (open >= this.config.wsMaxSocketsPerIp) {
      socket.close(CLOSE_TOO_MANY_SOCKETS, 'Too many connections from this address');
      return false;
    }
    this.socketsPerIp.set(ip, open + 1);
    extra.countedIp = ip;
    extra.request = undefined;
    return true;
  }

  /** Called from graphql-ws `onClose`: releases the socket's place. */
  release(ctx: WsHookContext): void {
    const extra = ctx.extra as WsExtra;
    const ip = extra.countedIp;
    if (ip === undefined) return;
    const left = (this.socketsPerIp.get(ip) ?? 1) - 1;
    if (left > 0) this.socketsPerIp.set(ip, left);
    else this.socketsPerIp.delete(ip);
    extra.countedIp = undefined;
  }

  /**
   * Called from graphql-ws `onSubscribe`: errors to answer with (nothing runs), or the operation's
   * execution arguments, parsed and validated once here (graphql-spec rules and GraphQL Armor's limits),
   * so graphql-ws neither parses nor validates it again. Codes: `RATE_LIMITED` (too many operations on
   * this socket), `BAD_USER_INPUT` (a syntax error, an invalid document, a limit of GraphQL Armor, an
   * `operationName` that names no operation of the document or is missing where it holds several, a
   * subscription's variable missing or of the wrong type).
   */
  check(ctx: WsHookContext, payload: SubscribePayload): GraphQLError[] | ExecutionArgs {
    // This operation already counts among the socket's (serveGraphqlWs counts from the moment its id is reserved).
    if (((ctx.extra as WsExtra).operations?.size ?? 0) > this.config.wsMaxSubscriptionsPerSocket) {
      return [
        new GraphQLError(`At most ${this.config.wsMaxSubscriptionsPerSocket} operations may run at once on one connection`, {
          extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 1 },
        }),
      ];
    }
    try {
      // Cached: a client sends the same few documents for every message (see graphql-document-cache).
      this.schema ??= this.moduleRef.get(GraphQLSchemaHost, { strict: false }).schema;
      const document = cachedParse(payload.query, { maxTokens: GRAPHQL_LIMITS.maxTokens });
      let errors = cachedValidate(this.schema, document);
      if (!errors.length) errors = cachedValidate(this.schema, document, this.rules);
      if (errors.length) return errors.map((e) => withCode(e, ErrorCode.BAD_USER_INPUT));
      // graphql-ws would answer this with a bare "Unable to identify operation"; say what is wrong, as HTTP does.
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [unknownOperation(payload.operationName)];
      if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
        // Checked here, once per subscription: graphql-js's subscribe would report a variable of the wrong
        // type with the scalar's error beneath it, which reads as internal. Queries and mutations (one per
        // message) are coerced by graphql-jit alone, whose errors are told apart without this.
        const variables = getVariableValues(this.schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (variables.errors) return variables.errors.map((e) => withCode(e, ErrorCode.BAD_USER_INPUT));
      }
      return { schema: this.schema, document, operationName: payload.operationName, variableValues: payload.variables };
    } catch (error) {
      return [withCode(error as GraphQLError, ErrorCode.BAD_USER_INPUT)];
    }
  }
}

/** The operation to run cannot be told (GraphQL spec, "Executing Requests": GetOperation): graphql-js's own wording, `BAD_USER_INPUT`. */
function unknownOperation(operationName: string | null | undefined): GraphQLError {
  const message =
    operationName != null
      ? `Unknown operation named "${operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code } });
}
