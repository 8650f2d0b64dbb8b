import { Migration } from '@mikro-orm/migrations';

export class Migration20261129205812 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "system_event" as enum ('OPERATOR_JOINED', 'CLOSED_BY_OPERATOR', 'VISITOR_LEFT');`);
    this.addSql(`alter table "chat_session" add column "closed_by" "sender_role" null;`);

    this.addSql(`alter table "message" add column "system_event" "system_event" null;`);

    // Rows written before these columns existed: derive them from the lines Parley wrote.
    this.addSql(`update "message" set "system_event" = case
      when "content" like '% joined the chat' then 'OPERATOR_JOINED'::system_event
      when "content" like 'Chat closed: %' then 'CLOSED_BY_OPERATOR'::system_event
      when "content" = 'The visitor left the chat' then 'VISITOR_LEFT'::system_event end
      where "sender_role" = 'SYSTEM';`);
    this.addSql(`update "chat_session" set "closed_by" = case when "resolution" is null then 'VISITOR'::sender_role else 'OPERATOR'::sender_role end
      where "status" = 'CLOSED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "chat_session" drop column "closed_by";`);

    this.addSql(`alter table "message" drop column "system_event";`);

    this.addSql(`drop type "system_event";`);
  }

}
