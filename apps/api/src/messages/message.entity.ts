import { Entity, Enum, ManyToOne, PrimaryKey, Property, Ref, Unique } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { SenderRole, SystemEvent } from '../common/enums';
import { Operator } from '../operators/operator.entity';
import { ChatSession } from '../sessions/chat-session.entity';

/**
 * A message in a chat session. `seq` numbers a session's messages 1, 2, 3 … without gaps;
 * `clientMessageId` makes sending idempotent (unique per session).
 */
@Entity({ tableName: 'message' })
@Unique({ name: 'message_session_seq_unique', properties: ['session', 'seq'] })
@Unique({ name: 'message_session_client_message_id_unique', properties: ['session', 'clientMessageId'] })
export class Message {
  /** UUIDv7 (RFC 9562 §5.7), time-ordered like the ids `appendMessage` writes. */
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => ChatSession, { ref: true, deleteRule: 'cascade' })
  session: Ref<ChatSession>;

  @Property({ type: 'integer' })
  seq: number;

  @Enum({ items: () => SenderRole, nativeEnumName: 'sender_role' })
  senderRole: SenderRole;

  @ManyToOne(() => Operator, { ref: true, nullable: true, deleteRule: 'set null' })
  senderOperator?: Ref<Operator>;

  @Property({ type: 'text' })
  content: string;

  /** Set on SYSTEM messages only. */
  @Enum({ items: () => SystemEvent, nativeEnumName: 'system_event', nullable: true })
  systemEvent?: SystemEvent;

  @Property({ type: 'string', length: 64, nullable: true })
  clientMessageId?: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  sentAt: Date = new Date();

  constructor(fields: { session: Ref<ChatSession>; seq: number; senderRole: SenderRole; content: string }) {
    this.session = fields.session;
    this.seq = fields.seq;
    this.senderRole = fields.senderRole;
    this.content = fields.content;
  }
}
