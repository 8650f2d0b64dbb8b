import { DestroyRef, Injectable, InjectionToken, computed, inject, signal } from '@angular/core';
import { Client, CloseCode, createClient } from 'graphql-ws';
import { Subject } from 'rxjs';
import { AuthService } from './auth.service';

/** Where the console's GraphQL WebSocket connects (same origin, path `/graphql`). */
export const GRAPHQL_WS_URL = new InjectionToken<string>('GRAPHQL_WS_URL', {
  providedIn: 'root',
  factory: () => `${globalThis.location.origin.replace(/^http/, 'ws')}/graphql`,
});

/** Builds the graphql-ws client; replaced in tests. */
export const GRAPHQL_WS_CLIENT_FACTORY = new InjectionToken<typeof createClient>('GRAPHQL_WS_CLIENT_FACTORY', {
  providedIn: 'root',
  factory: () => createClient,
});

/**
 * State of the live connection:
 * - `idle`: no socket needed (signed out, nothing subscribed);
 * - `connecting`: the first connection is being made;
 * - `connected`: subscriptions deliver live events;
 * - `lost`: the socket dropped (network, API restart); reconnecting with backoff.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'lost';

/** Interval between keep-alive pings, in ms. */
export const KEEP_ALIVE_MS = 10_000;
/** A ping unanswered this long (ms) means the socket is dead even if the browser has not noticed. */
export const PONG_TIMEOUT_MS = 5_000;
/** Longest wait between reconnection attempts, in ms. */
export const MAX_RETRY_DELAY_MS = 8_000;

/**
 * Owns the console's one graphql-ws client (every subscription shares its socket) and tells the rest of
 * the console how the connection is doing.
 *
 * graphql-ws is configured not to retry by itself (`retryAttempts: 0`): when the socket drops, every
 * {@link LiveSubscription} ends its subscription and subscribes again — with the *latest* `afterSeq`,
 * which graphql-ws's own retry could not do — after {@link retryDelayMs}. Dead sockets are found by a
 * ping/pong timeout and by the browser's `offline` event; `online` retries at once.
 * A 4403 close (token refused) signs the operator out.
 */
@Injectable({ providedIn: 'root' })
export class ConnectionService {
  private readonly auth = inject(AuthService);
  private readonly stateSignal = signal<ConnectionState>('idle');
  private readonly onlineSignal = signal(globalThis.navigator?.onLine ?? true);
  private failures = 0;
  private everConnected = false;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private activeSubscriptions = 0;

  /** How the live connection is doing. */
  readonly state = this.stateSignal.asReadonly();
  /** What the browser says about the network (`navigator.onLine`). */
  readonly browserOnline = this.onlineSignal.asReadonly();
  /** True while the operator should be told that live updates are interrupted. */
  readonly interrupted = computed(() => this.stateSignal() === 'lost' || !this.onlineSignal());
  /** Emits when the socket dropped; live subscriptions end and resubscribe. */
  readonly lost$ = new Subject<void>();
  /** Emits when the socket is back after a loss; stores re-read what has no replay (queue, session status). */
  readonly reconnected$ = new Subject<void>();
  /** Emits when waiting for the backoff is pointless (the browser came back online). */
  readonly retryNow$ = new Subject<void>();

  /** The shared graphql-ws client (used by Apollo's `GraphQLWsLink`). */
  readonly client: Client = inject(GRAPHQL_WS_CLIENT_FACTORY)({
    url: inject(GRAPHQL_WS_URL),
    lazy: true,
    retryAttempts: 0,
    keepAlive: KEEP_ALIVE_MS,
    connectionParams: () => {
      const authToken = this.auth.token();
      return authToken ? { authToken } : {};
    },
    on: {
      connecting: () => {
        if (this.stateSignal() !== 'lost') this.stateSignal.set('connecting');
      },
      connected: () => {
        const wasLost = this.stateSignal() === 'lost' || (this.everConnected && this.failures > 0);
        this.failures = 0;
        this.everConnected = true;
        this.stateSignal.set('connected');
        if (wasLost) this.reconnected$.next();
      },
      ping: (received) => {
        if (received) return;
        clearTimeout(this.pongTimer);
        this.pongTimer = setTimeout(() => this.dropConnection(), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(this.pongTimer);
      },
      closed: (event) => this.onClosed(event),
    },
  });

  constructor() {
    const offline = () => {
      this.onlineSignal.set(false);
      this.dropConnection();
    };
    const online = () => {
      this.onlineSignal.set(true);
      this.retryNow$.next();
    };
    globalThis.addEventListener?.('offline', offline);
    globalThis.addEventListener?.('online', online);
    inject(DestroyRef).onDestroy(() => {
      globalThis.removeEventListener?.('offline', offline);
      globalThis.removeEventListener?.('online', online);
      clearTimeout(this.pongTimer);
      void this.client.dispose();
    });
  }

  /**
   * Milliseconds to wait before the next reconnection attempt: 0.5 s, 1 s, 2 s, 4 s, then 8 s, plus up to
   * 0.3 s of jitter so many consoles do not hammer a restarting API at the same instant.
   */
  retryDelayMs(): number {
    const base = Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** Math.max(0, this.failures - 1));
    return base + Math.floor(Math.random() * 300);
  }

  /** Closes the socket now (dead or offline); subscriptions end and resubscribe after the backoff. */
  dropConnection(): void {
    clearTimeout(this.pongTimer);
    this.client.terminate();
  }

  /** Counts live subscriptions, so a normal close with some still open is recognised as a loss. */
  track(delta: 1 | -1): void {
    this.activeSubscriptions = Math.max(0, this.activeSubscriptions + delta);
  }

  private onClosed(event: unknown): void {
    clearTimeout(this.pongTimer);
    const code = (event as { code?: number } | undefined)?.code;
    if (code === CloseCode.Forbidden) {
      this.auth.signOut('expired');
      this.stateSignal.set('idle');
      return;
    }
    const normal = code === 1000 && this.activeSubscriptions === 0;
    if (normal) {
      this.stateSignal.set(this.stateSignal() === 'lost' ? 'lost' : 'idle');
      return;
    }
    this.failures++;
    this.stateSignal.set('lost');
    this.lost$.next();
  }
}
