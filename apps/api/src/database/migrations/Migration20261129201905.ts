import { Migration } from '@mikro-orm/migrations';

export class Migration20261129201905 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "visitor" add column "external_user_id" varchar(255) null, add column "verified" boolean not null default false;`);
    this.addSql(`alter table "visitor" add constraint "visitor_external_user_id_unique" unique ("external_user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "visitor" drop constraint "visitor_external_user_id_unique";`);
    this.addSql(`alter table "visitor" drop column "external_user_id", drop column "verified";`);
  }

}
