import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Ref, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ChatSessionStatus, SenderRole } from '../common/enums';
import { Operator } from '../operators/operator.entity';
import { Visitor } from '../visitors/visitor.entity';

/**
 * One conversation between a visitor and (once accepted) one operator.
 * At most one session per visitor is not `CLOSED`: enforced by the partial unique index
 * `chat_session_one_open_per_visitor` (see the migration).
 */
@Entity({ tableName: 'chat_session' })
@Unique({
  name: 'chat_session_one_open_per_visitor',
  expression:
    'create unique index "chat_session_one_open_per_visitor" on "chat_session" ("visitor_id") where "status" <> \'CLOSED\'',
})
@Index({ name: 'chat_session_waiting_queue', properties: ['status', 'queuedAt'] })
@Index({ name: 'chat_session_queued_at', properties: ['queuedAt'] })
export class ChatSession {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Visitor, { ref: true, deleteRule: 'cascade' })
  visitor: Ref<Visitor>;

  @ManyToOne(() => Operator, { ref: true, nullable: true, deleteRule: 'set null' })
  operator?: Ref<Operator>;

  @Enum({ items: () => ChatSessionStatus, nativeEnumName: 'chat_session_status' })
  status: ChatSessionStatus = ChatSessionStatus.WAITING;

  /** When the session entered the waiting queue; the queue is FIFO by this. */
  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  queuedAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  acceptedAt?: Date;

  @Property({ type: 'datetime', length: 3, nullable: true })
  closedAt?: Date;

  @Property({ type: 'text', nullable: true })
  resolution?: string;

  /** Who closed it: OPERATOR (with a resolution) or VISITOR (left). */
  @Enum({ items: () => SenderRole, nativeEnumName: 'sender_role', nullable: true })
  closedBy?: SenderRole;

  /** The highest `seq` given to a message of this session (0 when none); bumped atomically per message. */
  @Property({ type: 'integer', default: 0 })
  lastSeq = 0;

  constructor(visitor: Ref<Visitor>) {
    this.visitor = visitor;
  }
}
