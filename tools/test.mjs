#!/usr/bin/env node
// `npm test`: every suite of the repository, in the order CI needs them, then one summary line
// "N passed, N failed" that sums every jest test case plus each non-jest check (build, lint, drift).
// Exit code 0 only when nothing failed. Needs PostgreSQL and Redis (see README); `.ci/run` starts them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const reports = path.join(root, 'reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;
const failures = [];

function run(label, command, args, env = {}) {
  process.stdout.write(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function check(label, command, args, env) {
  if (run(label, command, args, env)) passed++;
  else {
    failed++;
    failures.push(label);
  }
}

/** Projects with a jest `test` target, in dependency order (e2e last). */
function jestProjects() {
  const dirs = ['libs', 'apps'].flatMap((top) =>
    existsSync(path.join(root, top)) ? readdirSync(path.join(root, top)).map((d) => path.join(top, d)) : [],
  );
  const projects = dirs
    .filter((dir) => existsSync(path.join(root, dir, 'project.json')))
    .map((dir) => ({ dir, ...JSON.parse(readFileSync(path.join(root, dir, 'project.json'), 'utf8')) }))
    .filter((p) => p.targets?.test);
  return projects.sort((a, b) => (a.name === 'e2e') - (b.name === 'e2e'));
}

check('build', 'npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);
check('lint', 'npx', ['nx', 'run-many', '-t', 'lint', '--outputStyle=static']);
check('typecheck', 'npx', ['nx', 'run-many', '-t', 'typecheck', '--outputStyle=static']);
check('migrations match the entities', 'node', ['tools/check-migrations.mjs']);

for (const project of jestProjects()) {
  const out = path.join(reports, `jest-${project.name}.json`);
  const ok = run(`test ${project.name}`, 'npx', ['nx', 'run', `${project.name}:test`, '--outputStyle=static', '--', '--json', `--outputFile=${out}`]);
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A suite that failed to run (syntax error, setup failure) has no failed test cases: count it.
    const broken = report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed'));
    failed += broken.length;
    if (report.numFailedTests || broken.length) failures.push(`test ${project.name}`);
    if (report.numTotalTests === 0) {
      failed++;
      failures.push(`test ${project.name} ran no test`);
    }
  } else if (!ok) {
    failed++;
    failures.push(`test ${project.name} (no report)`);
  }
}

if (failures.length) process.stdout.write(`\nFailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
