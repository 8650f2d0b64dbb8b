import { Entity, Enum, ManyToOne, PrimaryKey, Property, Ref, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ChatSession } from '../sessions/chat-session.entity';
import { NotificationEvent } from './notification-jobs';

/**
 * A notification a channel accepted: written the moment it did, and checked before every send, so a
 * retried or re-run job never delivers the same event of a chat session to the same destination twice
 * (unique `notification_delivery_once`).
 */
@Entity({ tableName: 'notification_delivery' })
@Unique({ name: 'notification_delivery_once', properties: ['session', 'event', 'channel'] })
export class NotificationDelivery {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ChatSession, { ref: true, deleteRule: 'cascade' })
  session: Ref<ChatSession>;

  @Enum({ items: () => NotificationEvent, nativeEnumName: 'notification_event' })
  event: NotificationEvent;

  /** The destination: `telegram/<chat id>` or `email`. */
  @Property({ type: 'string', length: 160 })
  channel: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  deliveredAt: Date = new Date();

  constructor(fields: { session: Ref<ChatSession>; event: NotificationEvent; channel: string }) {
    this.session = fields.session;
    this.event = fields.event;
    this.channel = fields.channel;
  }
}
