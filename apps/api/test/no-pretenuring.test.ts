import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const BUILT = path.resolve(__dirname, '../../../dist/apps/api/apps/api/src');
const MODULE = path.join(BUILT, 'lifecycle/no-pretenuring.js');

/**
 * What V8's allocation-site pretenuring does to a process: one allocation site first makes a million
 * objects that all survive (as a burst of connections does), then five million that die at once (as
 * messages do). Prints how many MB the old generation took in while the second ones were made: with
 * pretenuring the site has been switched to old-space allocation, and they all go there. V8 does not
 * always decide at the first burst (when it optimises the site's code varies with the machine's load), so
 * the probe runs up to three rounds and prints the most any round took.
 */
const PROBE = `
  const v8 = require('node:v8');
  const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
  function make(i) { return { a: i, b: i + 1, c: [i, i] }; }
  const kept = [];
  const ring = new Array(1000);
  let most = 0;
  for (let round = 0; round < 3 && most <= 200; round++) {
    for (let i = 0; i < 1e6; i++) kept.push(make(i));
    let last = old(), grew = 0;
    for (let i = 0; i < 5e6; i++) {
      ring[i % 1000] = make(i);
      if (i % 10000 === 0) { const now = old(); if (now > last) grew += now - last; last = now; }
    }
    most = Math.max(most, Math.round(grew / 1048576));
  }
  if (kept.length < 1e6) throw new Error('the long-lived objects must stay alive to the end');
  process.stdout.write(String(most));
`;

/** Old-generation MB the probe's short-lived objects took, in a `node` started with `args`. */
function oldGenerationTaken(args: string[]): number {
  // NODE_OPTIONS cleared: a large young generation (--max-semi-space-size, README "Production shape") can
  // keep V8 from pretenuring the probe's site at all, and the control would then show nothing.
  const result = spawnSync(process.execPath, [...args, '-e', PROBE], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) throw new Error(`probe failed: ${result.stderr}`);
  return Number(result.stdout);
}

/**
 * {@link oldGenerationTaken} for a process that should pretenure (the control): the most of up to three
 * processes, stopping at the first over 200 MB. In a clean clone's full test run, with the test files
 * running side by side, one plain process once took in 16 MB (V8 had not switched the site over in its
 * three rounds), though every process alone takes in over 500.
 */
function takenWhenPretenuring(args: string[]): number {
  let most = 0;
  for (let i = 0; i < 3 && most <= 200; i++) most = Math.max(most, oldGenerationTaken(args));
  return most;
}

describe("the API's V8 heap (lifecycle/no-pretenuring)", () => {
  it('keeps short-lived objects out of the old generation after a burst of long-lived ones from the same site', () => {
    const plain = takenWhenPretenuring([]);
    const withModule = oldGenerationTaken(['-r', MODULE]);
    expect(plain).toBeGreaterThan(200); // the probe does show pretenuring in a plain process
    expect(withModule).toBeLessThan(plain / 5);
  });

  it.each(['--allocation-site-pretenuring', '--allocation_site_pretenuring'])('leaves pretenuring on when the command line asks for it (%s)', (flag) => {
    expect(takenWhenPretenuring([flag, '-r', MODULE])).toBeGreaterThan(200);
  });

  it("is the first module the API's entry point loads", () => {
    const main = readFileSync(path.join(BUILT, 'main.js'), 'utf8');
    expect(main.match(/require\("([^"]+)"\)/)?.[1]).toBe('./lifecycle/no-pretenuring');
  });
});
