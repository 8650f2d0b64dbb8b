import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A person on a customer's site, known by a guest token; name and e-mail are optional. */
@Entity({ tableName: 'visitor' })
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

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: { name?: string; email?: string; pageUrl?: string; locale?: string }) {
    this.name = fields.name;
    this.email = fields.email;
    this.pageUrl = fields.pageUrl;
    this.locale = fields.locale;
  }
}
