/**
 * @jest-environment node
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../check-bundle-size.mjs');

/** A fake build: index.html loads main.js, which imports `static.js` statically and `lazy.js` with import(). */
function givenBuild(sizes: { main: number; static: number; lazy: number }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-budget-'));
  mkdirSync(path.join(dir, 'browser'));
  // Random bytes do not compress: gzip size ≈ raw size.
  const js = (n: number) => `/*${randomBytes(n).toString('base64')}*/`;
  writeFileSync(path.join(dir, 'browser/index.html'), '<html><head><script src="main.js" type="module"></script></head></html>');
  writeFileSync(path.join(dir, 'browser/main.js'), js(sizes.main));
  writeFileSync(path.join(dir, 'browser/static.js'), js(sizes.static));
  writeFileSync(path.join(dir, 'browser/lazy.js'), js(sizes.lazy));
  const stats = {
    outputs: {
      'main.js': { imports: [{ path: 'static.js', kind: 'import-statement' }, { path: 'lazy.js', kind: 'dynamic-import' }] },
      'static.js': { imports: [] },
      'lazy.js': { imports: [] },
    },
  };
  writeFileSync(path.join(dir, 'stats.json'), JSON.stringify(stats));
  return dir;
}

function check(dir: string, maxKb: number) {
  return spawnSync(process.execPath, [SCRIPT, '--dir', dir, '--max-kb', String(maxKb)], { encoding: 'utf8' });
}

describe('check-bundle-size.mjs (the 300 KB gzip initial-JS budget)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('passes when the initial JavaScript is within budget, however big the lazy chunks are', () => {
    const dir = givenBuild({ main: 5_000, static: 10_000, lazy: 200_000 });
    dirs.push(dir);
    const run = check(dir, 30);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/initial JavaScript \d+\.\d KB gzip \(budget 30 KB\) in 2 file/);
  });

  it('fails the build when statically imported chunks push it over budget', () => {
    const dir = givenBuild({ main: 5_000, static: 40_000, lazy: 1_000 });
    dirs.push(dir);
    const run = check(dir, 30);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('over budget');
    expect(run.stderr).toContain('static.js');
  });

  it('fails when there is no build to measure', () => {
    const run = check(path.join(os.tmpdir(), 'parley-no-such-build'), 300);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('is missing');
  });
});
