// `npm start` and `npm run worker` (npm → sh → tools/start.mjs) stopped with a signal: the API (the worker)
// must drain and stop, and leave no process behind, whether Ctrl-C signals the whole process group or a
// `kill` signals npm alone.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './support/api-process';
import { eventually, withTimeout } from './support/wait-for';

const ROOT = path.resolve(__dirname, '../../..');

jest.setTimeout(60_000);

/** `npm run <script>` started as a terminal starts a foreground command, with its output collected. */
interface NpmRun {
  npm: ChildProcess;
  output(): string;
  /** Settles once every process of its process group has exited (they all write to its pipes). */
  allExited: Promise<void>;
}

/**
 * Starts `npm run <script>` in a process group of its own, with `shell` as npm's script shell, and resolves
 * once it serves: the API answers `/readyz`, the worker says it is processing.
 */
async function startNpm(script: 'start' | 'worker', shell: string): Promise<NpmRun> {
  const port = await freePort();
  const npm = spawn('npm', ['run', script], {
    cwd: ROOT,
    detached: true, // a process group of its own, as a terminal gives a foreground command
    env: {
      ...process.env,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      REDIS_PREFIX: `npm-start-${process.pid}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
      SMTP_URL: 'smtp://127.0.0.1:1', // a channel, without which the worker does not start; no job is sent
      NOTIFY_EMAILS: 'team@example.com',
      npm_config_script_shell: shell,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const allExited = new Promise<void>((resolve) => npm.stdout.once('close', () => resolve()));
  const ready =
    script === 'start'
      ? () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)
      : () => output.includes('Worker processing notification jobs');
  try {
    await eventually(async () => {
      if (npm.exitCode !== null) throw new Error(`npm run ${script} exited: ${output}`);
      return ready();
    }, `npm run ${script} ready`, 45_000);
  } catch (error) {
    killGroup(npm);
    throw error;
  }
  return { npm, output: () => output, allExited };
}

/** SIGKILLs whatever of `npm`'s process group is left. */
function killGroup(npm: ChildProcess): void {
  try {
    process.kill(-npm.pid!, 'SIGKILL');
  } catch {
    // the group is gone
  }
}

/** The processes of `npm`'s process group still running, as `ps` lists them. */
function leftInGroup(npm: ChildProcess): string {
  try {
    return execFileSync('ps', ['-o', 'pid,ppid,args', '--no-headers', '-g', String(npm.pid)], { encoding: 'utf8' });
  } catch {
    return ''; // ps exits 1 when it lists none
  }
}

describe('npm start', () => {
  // npm forwards the terminal's SIGINT to its child too, which is the API itself (the script execs node),
  // so the API gets SIGINT twice.
  it.each(['/bin/sh', '/bin/bash'])('stops gracefully on Ctrl-C (SIGINT to its process group), script shell %s', async (shell) => {
    const run = await startNpm('start', shell);
    try {
      process.kill(-run.npm.pid!, 'SIGINT');
      await run.allExited;
      expect(run.output()).toContain('SIGINT received: finishing in-flight work');
      expect(run.output()).not.toContain('SIGINT again');
      expect(run.output()).toContain('Stopped');
    } finally {
      killGroup(run.npm);
    }
  });

  // npm passes SIGINT and SIGTERM on to its child, the script's shell; dash (Debian's sh) does not exec the
  // script's last command, and would die of the signal and leave node running without it.
  it.each([
    ['start', 'SIGTERM'],
    ['start', 'SIGINT'],
    ['worker', 'SIGTERM'],
    ['worker', 'SIGINT'],
  ] as const)('npm run %s, sent %s to the npm process alone: drains, stops, and leaves no process', async (script, signal) => {
    const run = await startNpm(script, '/bin/sh');
    try {
      run.npm.kill(signal);
      await withTimeout(run.allExited, 20_000, 'every process of npm start to exit').catch((error: Error) => {
        throw new Error(`${error.message}; left running:\n${leftInGroup(run.npm)}`);
      });
      expect(run.output()).toContain(`${signal} received: finishing in-flight work`);
      expect(run.output()).toContain('Stopped');
    } finally {
      killGroup(run.npm);
    }
  });
});
