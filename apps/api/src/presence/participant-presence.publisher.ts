import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { Presence, SenderRole } from '../common/enums';
import { sql } from '../database/sql';
import { EventsPublisher } from '../realtime/events.publisher';
import { PresenceService } from './presence.service';

/**
 * Tells the other side of a chat session when a participant's presence changes, as a
 * `ParticipantPresenceChanged` session event: the visitor's (widget connected or not) to the operators
 * watching any open session of that visitor, and the assigned operator's to the visitor of each ACTIVE
 * session assigned to them.
 */
@Injectable()
export class ParticipantPresencePublisher implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ParticipantPresencePublisher.name);
  private readonly subscriptions: Subscription[] = [];
  /** Publishes one after another, so a quick ONLINE → OFFLINE never arrives the other way round. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly em: EntityManager,
    private readonly presence: PresenceService,
    private readonly events: EventsPublisher,
  ) {}

  onModuleInit(): void {
    this.subscriptions.push(
      this.presence.visitorChanges.subscribe(({ visitorId, presence }) =>
        this.publish(SenderRole.VISITOR, presence, `SELECT id FROM chat_session WHERE visitor_id = ? AND status <> 'CLOSED'`, visitorId),
      ),
      this.presence.changes.subscribe(({ operatorId, presence }) =>
        this.publish(SenderRole.OPERATOR, presence, `SELECT id FROM chat_session WHERE operator_id = ? AND status = 'ACTIVE'`, operatorId),
      ),
    );
  }

  /** Publishes what the last sockets' closing caused, then stops listening (before Redis closes). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.presence.settled();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await this.chain;
  }

  private publish(role: SenderRole, presence: Presence, sessionsQuery: string, participantId: string): void {
    this.chain = this.chain
      .then(async () => {
        for (const { id } of await sql<{ id: string }>(this.em.fork(), sessionsQuery, [participantId])) {
          await this.events.publishSessionEvent({ __typename: 'ParticipantPresenceChanged', sessionId: id, role, presence });
        }
      })
      .catch((error: Error) => this.logger.warn(`Publishing a ${role} presence change failed: ${error.message}`));
  }
}
