#!/usr/bin/env node
// Builds the widget into dist/apps/widget, the layout the API serves:
//   widget.js          the launcher (IIFE; /widget.js)
//   chat-<hash>.js     the chat panel, loaded on open (/widget/chat-<hash>.js)
//   demo/*.html        the demo host pages (/demo → demo/index.html)
//   npm/               the `@parley/widget` npm package (loadParley + types)
// then fails when a size budget (tools/size-check.mjs) is exceeded.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

import { measure, report } from './size-check.mjs';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(app, '../..');
const out = path.join(root, 'dist/apps/widget');
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const target = ['es2020'];
// graphql-ws's root entry also holds its server (which imports `graphql`): bundle the client only.
const alias = { 'graphql-ws': path.join(root, 'node_modules/graphql-ws/dist/client.js') };
const common = { alias, bundle: true, minify: true, target, legalComments: 'none', logLevel: 'warning', tsconfig: path.join(app, 'tsconfig.json'), metafile: true };

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const chat = await build({
  ...common,
  entryPoints: { chat: path.join(app, 'src/chat/chat-chunk.ts') },
  format: 'iife',
  outdir: out,
  entryNames: '[name]-[hash]',
});
const chatFile = path.basename(Object.keys(chat.metafile.outputs).find((f) => f.endsWith('.js')));

const launcher = await build({
  ...common,
  entryPoints: [path.join(app, 'src/loader/widget.ts')],
  format: 'iife',
  outfile: path.join(out, 'widget.js'),
  define: { __PARLEY_CHAT_FILE__: JSON.stringify(chatFile), __PARLEY_VERSION__: JSON.stringify(version) },
});

// npm package: ESM loader + declarations.
const npmOut = path.join(out, 'npm');
await build({ ...common, minify: false, entryPoints: [path.join(app, 'src/npm/index.ts')], format: 'esm', outfile: path.join(npmOut, 'index.js') });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(app, 'tsconfig.npm.json')], { stdio: 'inherit' });
writeFileSync(
  path.join(npmOut, 'package.json'),
  `${JSON.stringify(
    {
      name: '@parley/widget',
      version,
      description: 'Load the Parley support chat widget from a single-page app',
      license: 'MIT',
      type: 'module',
      main: 'index.js',
      module: 'index.js',
      types: 'types/npm/index.d.ts',
      exports: { '.': { types: './types/npm/index.d.ts', default: './index.js' } },
      sideEffects: false,
    },
    null,
    2,
  )}\n`,
);
copyFileSync(path.join(app, 'README.md'), path.join(npmOut, 'README.md'));

mkdirSync(path.join(out, 'demo'), { recursive: true });
for (const file of readdirSync(path.join(app, 'demo')).filter((f) => f.endsWith('.html'))) copyFileSync(path.join(app, 'demo', file), path.join(out, 'demo', file));
await build({ ...common, entryPoints: [path.join(app, 'demo/demo.ts')], format: 'iife', outfile: path.join(out, 'demo/demo.js') });

writeFileSync(
  path.join(out, 'build-info.json'),
  `${JSON.stringify({ version, chatFile, lazyInputs: Object.keys(chat.metafile.inputs), launcherInputs: Object.keys(launcher.metafile.inputs) }, null, 2)}\n`,
);
process.exitCode = report(measure(out));
