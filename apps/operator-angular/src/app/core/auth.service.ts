import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import type { OperatorFieldsFragment } from '@parley/graphql';
import { readStored, writeStored } from './storage';

/** What signing in gives the console; kept in `localStorage` until it expires or the operator signs out. */
export interface OperatorSession {
  /** JWT sent as `Authorization: Bearer …` and as the WebSocket's `connectionParams.authToken`. */
  accessToken: string;
  /** When the token expires (ISO-8601 UTC). */
  expiresAt: string;
  operator: OperatorFieldsFragment;
}

/** Why the console signed the operator out by itself (shown on the sign-in page). */
export type SignOutReason = 'expired';

const SESSION_KEY = 'session';
/** `setTimeout` takes at most 2^31−1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function isValid(session: OperatorSession | null, now: number): session is OperatorSession {
  return (
    session != null &&
    typeof session.accessToken === 'string' &&
    typeof session.expiresAt === 'string' &&
    typeof session.operator?.id === 'string' &&
    Date.parse(session.expiresAt) > now
  );
}

/**
 * The signed-in operator. Holds the session in a signal, persists it in `localStorage` (so a reload
 * stays signed in), signs out by itself when the token expires, when the API answers `UNAUTHENTICATED`
 * or refuses the WebSocket (close code 4403), and follows sign-in/sign-out done in other tabs.
 * It does not talk to the API itself: the sign-in page calls `loginOperator` and hands the result over.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly state = signal<OperatorSession | null>(null);
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  /** The current session, or `null` when signed out. */
  readonly session = this.state.asReadonly();
  /** The signed-in operator, or `null`. */
  readonly operator = computed(() => this.state()?.operator ?? null);
  readonly signedIn = computed(() => this.state() !== null);
  /** Set when the console signed out by itself; cleared by the next sign-in. */
  readonly signOutReason = signal<SignOutReason | null>(null);

  constructor() {
    const stored = readStored<OperatorSession | null>(SESSION_KEY, null);
    if (isValid(stored, Date.now())) {
      this.apply(stored);
    } else if (stored) {
      // Back after the token expired (e.g. the next morning): say why sign-in is needed.
      writeStored(SESSION_KEY, null);
      this.signOutReason.set('expired');
    }

    const onStorage = (event: StorageEvent) => {
      if (event.key !== null && !event.key.endsWith(SESSION_KEY)) return;
      const next = readStored<OperatorSession | null>(SESSION_KEY, null);
      if (isValid(next, Date.now())) {
        if (next.accessToken !== this.state()?.accessToken) this.apply(next);
        else this.state.set(next);
      } else if (this.state()) {
        this.clear();
      }
    };
    globalThis.addEventListener?.('storage', onStorage);
    inject(DestroyRef).onDestroy(() => {
      globalThis.removeEventListener?.('storage', onStorage);
      clearTimeout(this.expiryTimer);
    });
  }

  /** The access token, or `null` when signed out. */
  token(): string | null {
    return this.state()?.accessToken ?? null;
  }

  /** Starts a session from a `loginOperator` result. */
  start(session: OperatorSession): void {
    this.signOutReason.set(null);
    writeStored(SESSION_KEY, session);
    this.apply(session);
  }

  /** Keeps the stored operator (e.g. its presence) up to date. */
  updateOperator(operator: OperatorFieldsFragment): void {
    const current = this.state();
    if (!current || current.operator.id !== operator.id) return;
    const next = { ...current, operator };
    writeStored(SESSION_KEY, next);
    this.state.set(next);
  }

  /**
   * Ends the session and forgets the token. Drafts and unsent messages stay stored under the
   * operator's id, so nothing typed is lost when the token expires mid-sentence.
   * @param reason set when the console does it by itself (token expired or refused)
   */
  signOut(reason?: SignOutReason): void {
    if (!this.state()) return;
    this.signOutReason.set(reason ?? null);
    writeStored(SESSION_KEY, null);
    this.clear();
  }

  private apply(session: OperatorSession): void {
    this.state.set(session);
    this.scheduleExpiry(session);
  }

  private scheduleExpiry(session: OperatorSession): void {
    clearTimeout(this.expiryTimer);
    const ms = Date.parse(session.expiresAt) - Date.now();
    this.expiryTimer = setTimeout(() => {
      if (Date.parse(session.expiresAt) <= Date.now()) this.signOut('expired');
      else this.scheduleExpiry(session);
    }, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  }

  private clear(): void {
    clearTimeout(this.expiryTimer);
    this.state.set(null);
  }
}
