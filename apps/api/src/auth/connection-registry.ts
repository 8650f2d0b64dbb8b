import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CloseCode } from 'graphql-ws';
import { Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { AccountStatusService } from './account-status.service';
import { Principal } from './principal';

/** How often (ms) open sockets are checked for an expired token. */
export const EXPIRY_SWEEP_MS = 1_000;

/**
 * The authenticated WebSockets of this instance. A socket is closed when its token expires
 * (4401 Unauthorized: the client must sign in again; within {@link EXPIRY_SWEEP_MS} of `exp`, and every
 * operation in between is refused as expired) and when its operator is disabled anywhere in the
 * deployment or its account is found disabled or removed ({@link AccountStatusService.disabled}; 4403
 * Forbidden). Close codes are graphql-ws's `CloseCode` (RFC 6455 private range).
 * One timer checks every socket, rather than a timer per socket (bench (c)).
 */
@Injectable()
export class ConnectionRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly sockets = new Map<WebSocket, Principal>();
  private disabledEvents?: Subscription;
  private sweep?: NodeJS.Timeout;

  constructor(private readonly accounts: AccountStatusService) {}

  onModuleInit(): void {
    this.disabledEvents = this.accounts.disabled.subscribe(({ operatorId }) => {
      for (const [socket, principal] of this.sockets) {
        if (principal.kind === 'operator' && principal.operatorId === operatorId) {
          socket.close(CloseCode.Forbidden, 'Operator account disabled or removed');
        }
      }
    });
    this.sweep = setInterval(() => this.closeExpired(Date.now()), EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    this.disabledEvents?.unsubscribe();
    clearInterval(this.sweep);
    this.sockets.clear();
  }

  /** Tracks an accepted socket of `principal` until {@link forget}; an operator's keeps its status refreshed. */
  track(socket: WebSocket, principal: Principal): void {
    this.sockets.set(socket, principal);
    if (principal.kind === 'operator') this.accounts.socketOpened(principal.operatorId);
  }

  forget(socket: WebSocket): void {
    const principal = this.sockets.get(socket);
    if (principal?.kind === 'operator') this.accounts.socketClosed(principal.operatorId);
    this.sockets.delete(socket);
  }

  private closeExpired(now: number): void {
    for (const [socket, principal] of this.sockets) {
      if (principal.expiresAt * 1000 > now) continue;
      this.forget(socket);
      socket.close(CloseCode.Unauthorized, 'Token expired');
    }
  }
}
