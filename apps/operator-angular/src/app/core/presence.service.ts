import { DestroyRef, Injectable, computed, effect, inject, signal } from '@angular/core';
import { MeDocument, type Presence, SetPresenceDocument } from '@parley/graphql';
import { AuthService } from './auth.service';
import { GraphqlService } from './graphql.service';
import { RequestError } from './request-error';

/**
 * While ONLINE, the console re-sends its presence this often (ms) so the API keeps counting the operator
 * online (its liveness expires after PRESENCE_TTL_SECONDS, 60 s by default). A stop-gap until the API
 * refreshes liveness from the open WebSocket or offers a dedicated heartbeat.
 */
export const PRESENCE_REFRESH_MS = 25_000;

/**
 * The signed-in operator's presence (ONLINE / AWAY / OFFLINE). The API keeps the choice on the operator,
 * so it survives reloads: the console reads it with `me` when it starts.
 */
@Injectable({ providedIn: 'root' })
export class PresenceService {
  private readonly graphql = inject(GraphqlService);
  private readonly auth = inject(AuthService);
  private readonly saving = signal(false);

  /** The presence the API has for this operator. */
  readonly presence = computed<Presence>(() => this.auth.operator()?.presence ?? 'OFFLINE');
  /** True while a change is being saved. */
  readonly busy = this.saving.asReadonly();
  /** The last failure to save, for a message. */
  readonly error = signal<string | null>(null);

  constructor() {
    let timer: ReturnType<typeof setInterval> | undefined;
    effect(() => {
      clearInterval(timer);
      if (this.auth.signedIn() && this.presence() === 'ONLINE') {
        timer = setInterval(() => void this.refreshOnline(), PRESENCE_REFRESH_MS);
      }
    });
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  /** Re-reads the operator (and so the stored presence) from the API. */
  async load(): Promise<void> {
    const { me } = await this.graphql.query(MeDocument, {});
    this.auth.updateOperator(me);
  }

  /** Saves a new presence; on failure the previous one stays and {@link error} says why. */
  async set(presence: Presence): Promise<void> {
    this.saving.set(true);
    this.error.set(null);
    try {
      const { setPresence } = await this.graphql.mutate(SetPresenceDocument, { presence });
      this.auth.updateOperator(setPresence);
    } catch (error) {
      this.error.set(error instanceof RequestError && !error.network ? error.message : 'Could not change presence: the server is unreachable');
    } finally {
      this.saving.set(false);
    }
  }

  /** Re-sends ONLINE, unless the operator chose otherwise meanwhile (e.g. in another tab). */
  private async refreshOnline(): Promise<void> {
    try {
      const { me } = await this.graphql.query(MeDocument, {});
      this.auth.updateOperator(me);
      if (me.presence === 'ONLINE') await this.graphql.mutate(SetPresenceDocument, { presence: 'ONLINE' });
    } catch {
      // The next refresh tries again; the connection banner tells the operator about outages.
    }
  }
}
