// `npm start` (npm → sh → tools/start.mjs) stopped with Ctrl-C: the terminal signals its whole process
// group, and the API must drain and stop, not take a second copy of the same SIGINT as "exit now".
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './support/api-process';
import { eventually } from './support/wait-for';

const ROOT = path.resolve(__dirname, '../../..');

jest.setTimeout(60_000);

describe('npm start', () => {
  // npm forwards the terminal's SIGINT to its child too: dash keeps that copy, bash (npm's script shell on
  // systems whose /bin/sh is bash) execs node, which then gets SIGINT twice.
  it.each(['/bin/sh', '/bin/bash'])('stops gracefully on Ctrl-C (SIGINT to its process group), script shell %s', async (shell) => {
    const port = await freePort();
    const child = spawn('npm', ['start'], {
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
        npm_config_script_shell: shell,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // Every process of the group writes to these pipes: they close once the last one has exited.
    const allExited = new Promise<void>((resolve) => child.stdout.once('close', () => resolve()));
    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
        return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      }, 'npm start ready', 45_000);
      process.kill(-(child.pid as number), 'SIGINT');
      await allExited;
      expect(output).toContain('SIGINT received: finishing in-flight work');
      expect(output).not.toContain('SIGINT again');
      expect(output).toContain('Stopped');
    } finally {
      try {
        process.kill(-(child.pid as number), 'SIGKILL'); // whatever of the group is left
      } catch {
        // the group is gone
      }
    }
  });
});
