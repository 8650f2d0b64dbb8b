import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A person on a customer's site, known by a guest token; name and e-mail are optional. A visitor whose
 * identity the site signed (`IDENTITY_SECRET`) is `verified` and carries the site's `externalUserId`,
 * unique among visitors, so the same user gets the same visitor (and history) on every device.
 */
@Entity({ tableName: 'visitor' })
@Unique({ name: 'visitor_external_user_id_unique', properties: ['externalUserId'] })
export class Visitor {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 120, nullable: true })
  name?: string;

  @Property({ type: 'string', length: 320, nullable: true })
  email?: string;

  @Property({ type: 'text', nullable: true })
  pageUrl?: string;

  @Property({ type: 'string', length: 35, nullable: true })
  locale?: string;

  /** The customer site's id of a verified user; null for guests. Only ever set from a verified signature. */
  @Property({ type: 'string', length: 255, nullable: true })
  externalUserId?: string;

  @Property({ type: 'boolean', default: false })
  verified = false;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: { name?: string; email?: string; pageUrl?: string; locale?: string }) {
    this.name = fields.name;
    this.email = fields.email;
    this.pageUrl = fields.pageUrl;
    this.locale = fields.locale;
  }
}
