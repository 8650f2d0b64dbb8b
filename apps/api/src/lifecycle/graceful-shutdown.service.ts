import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Context as WsContext, ServerOptions, SubscribePayload } from 'graphql-ws';
import type { Server } from 'node:http';
import type { WebSocket } from 'ws';
import { errorResponseBody } from '../common/format-graphql-error';
import { ServiceUnavailableError } from '../common/service-unavailable';
import { CLOSE_HANDSHAKE_MS, SHUTDOWN_CLOSE_CODE } from '../realtime/graphql-ws-server';

/** How long a shutdown waits at most for in-flight work (operations, then jobs), in ms. */
export const SHUTDOWN_GRACE_MS = 20_000;

const POLL_MS = 20;

type ShutdownSocketContext = WsContext<Record<string, unknown> | undefined, unknown>;

/** The graphql-ws hooks {@link GracefulShutdown.wsOptions} wraps. */
type WrappedHooks = Partial<Pick<ServerOptions<Record<string, unknown> | undefined, unknown>, 'onConnect' | 'onSubscribe' | 'onClose'>>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Graceful shutdown of one API instance (`SIGTERM`, see `exitGracefullyOnSignals`):
 *
 * 1. Stops accepting: the HTTP server stops listening (no new sockets), `/readyz` and every other HTTP
 *    request get 503 with `Connection: close` (GraphQL: `SERVICE_UNAVAILABLE`, `retryable: true`), and so
 *    does every new operation on an open WebSocket.
 * 2. Finishes what is in flight: HTTP requests complete; each WebSocket is closed with
 *    {@link SHUTDOWN_CLOSE_CODE} as soon as it runs no query or mutation (its subscriptions end with it),
 *    so a mutation's result always reaches its client first.
 * 3. Drains jobs: BullMQ workers of this process finish their active job and take no new one.
 *
 * Everything is bounded by {@link SHUTDOWN_GRACE_MS}; what is still running then is cut (a client's retry
 * with the same `clientMessageId` is safe, and a job whose worker stopped is taken up again by another).
 * Afterwards the application is closed (PostgreSQL, Redis) by `app.close()`.
 */
@Injectable()
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly sockets = new Set<ShutdownSocketContext>();
  /** Responses of HTTP requests in flight. */
  private readonly httpInFlight = new Set<Response>();
  private drainingSince?: number;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
  ) {}

  /** Whether a shutdown has begun. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /**
   * Express middleware, first in the chain: keeps track of HTTP requests in flight and, once draining, answers
   * new ones 503 `SERVICE_UNAVAILABLE` (retryable) with `Connection: close` and `Retry-After: 1`. Those in
   * flight when the drain begins are answered with `Connection: close` too ({@link drain}).
   */
  readonly httpMiddleware = (req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) {
      res.status(503).set({ connection: 'close', 'retry-after': '1', 'content-type': 'application/json' }).send(errorResponseBody(ServiceUnavailableError.shuttingDown()));
      return;
    }
    this.httpInFlight.add(res);
    res.once('close', () => this.httpInFlight.delete(res));
    next();
  };

  /**
   * Wraps graphql-ws server options so sockets are tracked for {@link drain}: while draining, a new socket
   * is closed with {@link SHUTDOWN_CLOSE_CODE} and a new operation is refused with `SERVICE_UNAVAILABLE`,
   * `retryable: true` ({@link ServiceUnavailableError.shuttingDown}).
   * The wrapped hooks run as before.
   */
  wsOptions<T extends WrappedHooks>(options: T): T {
    const { onConnect, onSubscribe, onClose } = options;
    return {
      ...options,
      onConnect: async (ctx: ShutdownSocketContext) => {
        if (this.draining) {
          socketOf(ctx).close(SHUTDOWN_CLOSE_CODE, 'Going away');
          return false;
        }
        const accepted = onConnect ? await onConnect(ctx) : true;
        if (accepted !== false) this.sockets.add(ctx);
        return accepted;
      },
      onSubscribe: (ctx: ShutdownSocketContext, id: string, payload: SubscribePayload) => {
        if (this.draining) {
          // Formatted by the socket's onError (formatGraphQLError): SERVICE_UNAVAILABLE, retryable.
          const error = ServiceUnavailableError.shuttingDown();
          return [new GraphQLError(error.message, { originalError: error })];
        }
        return onSubscribe?.(ctx, id, payload);
      },
      onClose: (ctx: ShutdownSocketContext, code?: number, reason?: string) => {
        this.sockets.delete(ctx);
        return onClose?.(ctx, code, reason);
      },
    };
  }

  /**
   * Runs steps 1–3 above; resolves when nothing is in flight any more or `graceMs` has passed.
   * Call once, after `listen()`, before `app.close()`.
   */
  async drain(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    if (this.draining) return;
    this.drainingSince = Date.now();
    const deadline = this.drainingSince + graceMs;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.close(); // no new connections; idle keep-alive ones are closed at once
    // A request in flight is answered with `Connection: close` (RFC 9112 §9.6): kept alive, its client would
    // send its next request on a connection that is closed as soon as it idles, and meet a reset, not a 503.
    for (const res of this.httpInFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    this.logger.log(`Shutting down: ${this.sockets.size} WebSocket(s), ${this.httpInFlight.size} HTTP request(s) in flight`);

    for (;;) {
      for (const ctx of this.sockets) {
        if (!runsQueryOrMutation(ctx)) this.closeSocket(ctx);
      }
      if (this.sockets.size === 0 && this.httpInFlight.size === 0) break;
      if (Date.now() >= deadline) {
        this.logger.warn(`Grace period over: cutting ${this.sockets.size} WebSocket(s) and ${this.httpInFlight.size} HTTP request(s)`);
        for (const ctx of this.sockets) this.closeSocket(ctx);
        break;
      }
      await sleep(POLL_MS);
    }
    server.closeAllConnections();
    await this.closeWorkers(deadline);
  }

  private closeSocket(ctx: ShutdownSocketContext): void {
    this.sockets.delete(ctx);
    const socket = socketOf(ctx);
    socket.close(SHUTDOWN_CLOSE_CODE, 'Going away');
    // A peer that does not answer the close handshake is cut (ws would wait 30 s).
    setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }

  /** Closes this process's BullMQ workers: each finishes its active job (until `deadline`) and takes no new one. */
  private async closeWorkers(deadline: number): Promise<void> {
    const workers = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .flatMap((host) => {
        try {
          return [host.worker];
        } catch {
          return []; // never started
        }
      });
    if (workers.length === 0) return;
    const closed = Promise.all(workers.map((worker) => worker.close())).then(() => true);
    const late = sleep(Math.max(0, deadline - Date.now())).then(() => false);
    if (!(await Promise.race([closed, late]))) {
      this.logger.warn('Grace period over with a job still running: it runs again once its lock expires');
    }
  }
}

function socketOf(ctx: ShutdownSocketContext): WebSocket {
  return (ctx.extra as { socket: WebSocket }).socket;
}

/**
 * Whether a socket has a query or mutation in flight. graphql-ws reserves `subscriptions[id] = null` for
 * an operation until it resolves to a stream (a subscription) or until its single result and `complete`
 * were sent (queries and mutations), so `null` means "a result is still owed".
 */
function runsQueryOrMutation(ctx: ShutdownSocketContext): boolean {
  return Object.values(ctx.subscriptions).some((operation) => operation === null);
}
