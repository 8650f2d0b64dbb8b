import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CODEGEN = path.join(ROOT, 'node_modules/@graphql-codegen/cli/cjs/bin.js');

describe('generated typed documents', () => {
  it('match schema.graphql and the operation documents (run "npx nx run graphql:codegen" when this fails)', () => {
    const run = spawnSync(process.execPath, [CODEGEN, '--config', 'libs/graphql/codegen.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    expect({ status: run.status, stale: output.includes('stale files') }).toEqual({ status: 0, stale: false });
  });

  it('exports a typed document for every operation the console uses', () => {
    const generated = readFileSync(path.join(__dirname, 'generated/graphql.ts'), 'utf8');
    for (const name of ['LoginOperator', 'Me', 'SetPresence', 'QueueUpdated', 'AcceptSession', 'Sessions', 'ChatSessionHistory', 'SendMessage', 'SetTyping', 'CloseSession', 'SessionEvents', 'NotificationSettings', 'SendTestNotification']) {
      expect(generated).toContain(`export const ${name}Document =`);
    }
  });
});
