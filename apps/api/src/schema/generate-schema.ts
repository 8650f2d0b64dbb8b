import 'reflect-metadata';
import path from 'node:path';
import { createApp } from '../app';
import { loadConfig } from '../config/app-config';
import { describeStartupError } from '../startup-errors';

/**
 * `npm run schema:generate`: writes the code-first schema to `schema.graphql` at the repository root
 * (sorted, so diffs are stable). Boots the app without listening; needs PostgreSQL and Redis.
 */
export async function generateSchema(target = path.resolve(process.cwd(), 'schema.graphql')): Promise<string> {
  const app = await createApp({ ...loadConfig({ ...process.env, LOG_LEVEL: 'warn' }) }, { schemaFile: target });
  await app.init();
  await app.close();
  return target;
}

if (require.main === module) {
  generateSchema().then(
    (file) => process.stdout.write(`Wrote ${file}\n`),
    (error: unknown) => {
      process.stderr.write(`${describeStartupError(error)}\n`);
      process.exit(1);
    },
  );
}
