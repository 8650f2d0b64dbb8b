import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CloseCode } from 'graphql-ws';
import { Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { AccountStatusService } from './account-status.service';
import { Principal } from './principal';

interface Entry {
  principal: Principal;
  expiry: NodeJS.Timeout;
}

/**
 * The authenticated WebSockets of this instance. A socket is closed when its token expires
 * (4401 Unauthorized: the client must sign in again) and when its operator is disabled anywhere in the
 * deployment (4403 Forbidden). Close codes are graphql-ws's `CloseCode` (RFC 6455 private range).
 */
@Injectable()
export class ConnectionRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly sockets = new Map<WebSocket, Entry>();
  private disabledEvents?: Subscription;

  constructor(private readonly accounts: AccountStatusService) {}

  onModuleInit(): void {
    this.disabledEvents = this.accounts.disabled.subscribe(({ operatorId }) => {
      for (const [socket, entry] of this.sockets) {
        if (entry.principal.kind === 'operator' && entry.principal.operatorId === operatorId) {
          socket.close(CloseCode.Forbidden, 'Operator account disabled');
        }
      }
    });
  }

  onModuleDestroy(): void {
    this.disabledEvents?.unsubscribe();
    for (const entry of this.sockets.values()) clearTimeout(entry.expiry);
    this.sockets.clear();
  }

  /** Tracks an accepted socket of `principal` until {@link forget}. */
  track(socket: WebSocket, principal: Principal): void {
    const msLeft = Math.max(0, principal.expiresAt * 1000 - Date.now());
    // setTimeout holds at most 2^31-1 ms (~24.8 days); longer-lived guest tokens are re-checked per operation.
    const expiry = setTimeout(() => socket.close(CloseCode.Unauthorized, 'Token expired'), Math.min(msLeft, 2 ** 31 - 1));
    expiry.unref();
    this.sockets.set(socket, { principal, expiry });
  }

  forget(socket: WebSocket): void {
    const entry = this.sockets.get(socket);
    if (entry) clearTimeout(entry.expiry);
    this.sockets.delete(socket);
  }
}
