import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const script = path.join(__dirname, 'size-check.mjs');

/** A folder laid out like dist/apps/widget with incompressible files of the given sizes (bytes). */
function dist(launcherBytes: number, lazyBytes: number[], info?: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-size-'));
  writeFileSync(path.join(dir, 'widget.js'), randomBytes(launcherBytes));
  lazyBytes.forEach((bytes, i) => writeFileSync(path.join(dir, `chat-${i}.js`), randomBytes(bytes)));
  if (info) writeFileSync(path.join(dir, 'build-info.json'), JSON.stringify(info));
  return dir;
}

function check(dir: string) {
  const result = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe('size budgets (CI fails above them)', () => {
  it('passes a launcher under 10 KB and a lazy part under 40 KB', () => {
    const { code, output } = check(dist(9 * 1024, [20 * 1024, 18 * 1024]));
    expect(output).toContain('ok   widget.js');
    expect(code).toBe(0);
  });

  it('fails a launcher over 10 KB gzip', () => {
    const { code, output } = check(dist(10 * 1024 + 100, [1000]));
    expect(output).toMatch(/FAIL widget\.js \(launcher, first load\): 10\.\d KB gzip, budget 10\.0 KB/);
    expect(code).toBe(1);
  });

  it('fails when everything loaded on open adds up to more than 40 KB gzip', () => {
    const { code, output } = check(dist(1000, [21 * 1024, 20 * 1024]));
    expect(output).toMatch(/FAIL loaded on open \(chat-0\.js, chat-1\.js\): 41\.\d KB gzip/);
    expect(code).toBe(1);
  });

  it('fails when the graphql package was bundled', () => {
    const { code, output } = check(dist(1000, [1000], { lazyInputs: ['node_modules/graphql/language/parser.mjs'] }));
    expect(output).toContain('FAIL the graphql package is bundled');
    expect(code).toBe(1);
  });

  it('holds for the real build (widget:build)', () => {
    const built = path.resolve(__dirname, '../../../dist/apps/widget');
    expect(() => execFileSync(process.execPath, [script, built], { encoding: 'utf8' })).not.toThrow();
  });
});
