#!/usr/bin/env node
// Drift check: regenerates the widget's typed operations from schema.graphql and src/operations.graphql
// in memory and fails when src/generated/graphql.ts differs (run `npx nx run widget:codegen`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(app, '../..');
process.chdir(root);
const { config } = await loadCodegenConfig({ configFilePath: path.join(app, 'codegen.yml') });
const outputs = await generate({ ...config, silent: true, cwd: root }, false);
let drift = false;
for (const output of outputs) {
  const committed = readFileSync(path.resolve(root, output.filename), 'utf8');
  if (committed !== output.content) {
    drift = true;
    process.stderr.write(`${output.filename} is out of date with schema.graphql / operations.graphql: run "npx nx run widget:codegen"\n`);
  }
}
if (drift) process.exit(1);
process.stdout.write('Widget GraphQL types match schema.graphql\n');
