#!/usr/bin/env node
// Fails when the entities need a migration that is not committed: applies the committed migrations to a
// scratch database, then asks MikroORM whether the entities still differ from the schema.
import { execFileSync } from 'node:child_process';
import pg from 'pg';

const url = process.env.MIGRATION_CHECK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_migration_check';
const admin = new URL(url);
const name = admin.pathname.slice(1);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
await client.query(`CREATE DATABASE "${name}"`);
await client.end();
const env = { ...process.env, DATABASE_URL: url };
execFileSync('npx', ['mikro-orm', 'migration:up'], { env, stdio: 'inherit' });
try {
  execFileSync('npx', ['mikro-orm', 'migration:check'], { env, stdio: 'inherit' });
} catch {
  console.error('The entities changed without a committed migration: run "npm run migration:create" and commit it.');
  process.exit(1);
}
