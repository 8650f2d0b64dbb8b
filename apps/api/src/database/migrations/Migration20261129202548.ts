import { Migration } from '@mikro-orm/migrations';

export class Migration20261129202548 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "notification_event" as enum ('new-session', 'long-wait');`);
    this.addSql(`create table "notification_delivery" ("id" uuid not null, "session_id" uuid not null, "event" "notification_event" not null, "channel" varchar(160) not null, "delivered_at" timestamptz(3) not null default now(), constraint "notification_delivery_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification_delivery" add constraint "notification_delivery_once" unique ("session_id", "event", "channel");`);

    this.addSql(`alter table "notification_delivery" add constraint "notification_delivery_session_id_foreign" foreign key ("session_id") references "chat_session" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notification_delivery" cascade;`);

    this.addSql(`drop type "notification_event";`);
  }

}
