import { Injectable, computed, inject, signal } from '@angular/core';
import { MeDocument, type Presence, SetPresenceDocument } from '@parley/graphql';
import { AuthService } from './auth.service';
import { GraphqlService } from './graphql.service';
import { RequestError } from './request-error';

/**
 * The signed-in operator's presence (ONLINE / AWAY / OFFLINE). The API keeps the choice on the operator,
 * so it survives reloads: the console reads it with `me` when it starts. Nothing is re-sent to stay
 * online: the API counts an operator who chose ONLINE as online while their console's WebSocket is
 * connected (any tab), and offline as soon as the last one closes.
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
}
