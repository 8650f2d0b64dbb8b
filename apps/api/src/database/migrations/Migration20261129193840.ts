import { Migration } from '@mikro-orm/migrations';

export class Migration20261129193840 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "presence" as enum ('ONLINE', 'AWAY', 'OFFLINE');`);
    this.addSql(`create type "chat_session_status" as enum ('WAITING', 'ACTIVE', 'CLOSED');`);
    this.addSql(`create type "sender_role" as enum ('VISITOR', 'OPERATOR', 'SYSTEM');`);
    this.addSql(`create table "operator" ("id" uuid not null, "email" varchar(320) not null, "name" varchar(120) not null, "password_hash" varchar(255) not null, "presence" "presence" not null default 'OFFLINE', "disabled" boolean not null default false, "created_at" timestamptz(3) not null default now(), constraint "operator_pkey" primary key ("id"));`);
    this.addSql(`alter table "operator" add constraint "operator_email_unique" unique ("email");`);

    this.addSql(`create table "visitor" ("id" uuid not null, "name" varchar(120) null, "email" varchar(320) null, "page_url" text null, "locale" varchar(35) null, "created_at" timestamptz(3) not null default now(), constraint "visitor_pkey" primary key ("id"));`);

    this.addSql(`create table "chat_session" ("id" uuid not null, "visitor_id" uuid not null, "operator_id" uuid null, "status" "chat_session_status" not null default 'WAITING', "queued_at" timestamptz(3) not null default now(), "accepted_at" timestamptz(3) null, "closed_at" timestamptz(3) null, "resolution" text null, "last_seq" int not null default 0, constraint "chat_session_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_session_queued_at" on "chat_session" ("queued_at");`);
    this.addSql(`create index "chat_session_waiting_queue" on "chat_session" ("status", "queued_at");`);
    this.addSql(`create unique index "chat_session_one_open_per_visitor" on "chat_session" ("visitor_id") where "status" <> 'CLOSED';`);

    this.addSql(`create table "rating" ("id" uuid not null, "session_id" uuid not null, "score" smallint not null, "comment" text null, "created_at" timestamptz(3) not null default now(), constraint "rating_pkey" primary key ("id"));`);
    this.addSql(`alter table "rating" add constraint "rating_session_unique" unique ("session_id");`);

    this.addSql(`create table "message" ("id" uuid not null, "session_id" uuid not null, "seq" int not null, "sender_role" "sender_role" not null, "sender_operator_id" uuid null, "content" text not null, "client_message_id" varchar(64) null, "sent_at" timestamptz(3) not null default now(), constraint "message_pkey" primary key ("id"));`);
    this.addSql(`alter table "message" add constraint "message_session_client_message_id_unique" unique ("session_id", "client_message_id");`);
    this.addSql(`alter table "message" add constraint "message_session_seq_unique" unique ("session_id", "seq");`);

    this.addSql(`alter table "chat_session" add constraint "chat_session_visitor_id_foreign" foreign key ("visitor_id") references "visitor" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_session" add constraint "chat_session_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "rating" add constraint "rating_session_id_foreign" foreign key ("session_id") references "chat_session" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "message" add constraint "message_session_id_foreign" foreign key ("session_id") references "chat_session" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "message" add constraint "message_sender_operator_id_foreign" foreign key ("sender_operator_id") references "operator" ("id") on update cascade on delete set null;`);
  }

}
