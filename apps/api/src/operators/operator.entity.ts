import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Presence } from '../common/enums';

/** A company's support agent who signs in to the console. */
@Entity({ tableName: 'operator' })
export class Operator {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Stored lower-cased; unique. */
  @Property({ type: 'string', length: 320, unique: true })
  email: string;

  @Property({ type: 'string', length: 120 })
  name: string;

  /** Argon2id PHC string (RFC 9106 parameters of `@node-rs/argon2`). Never leaves the server. */
  @Property({ type: 'string', length: 255, hidden: true })
  passwordHash: string;

  /** The presence the operator last chose; survives reloads and restarts. */
  @Enum({ items: () => Presence, nativeEnumName: 'presence', default: Presence.OFFLINE })
  presence: Presence = Presence.OFFLINE;

  @Property({ type: 'boolean', default: false })
  disabled = false;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: { email: string; name: string; passwordHash: string }) {
    this.email = fields.email;
    this.name = fields.name;
    this.passwordHash = fields.passwordHash;
  }
}
