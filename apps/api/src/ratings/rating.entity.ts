import { Entity, OneToOne, PrimaryKey, Property, Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ChatSession } from '../sessions/chat-session.entity';

/** The visitor's CSAT rating of a closed chat session: score 1–5 and an optional comment. One per session. */
@Entity({ tableName: 'rating' })
export class Rating {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @OneToOne(() => ChatSession, { ref: true, owner: true, unique: 'rating_session_unique', deleteRule: 'cascade' })
  session: Ref<ChatSession>;

  @Property({ type: 'smallint' })
  score: number;

  @Property({ type: 'text', nullable: true })
  comment?: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: { session: Ref<ChatSession>; score: number; comment?: string }) {
    this.session = fields.session;
    this.score = fields.score;
    this.comment = fields.comment;
  }
}
