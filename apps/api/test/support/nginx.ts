import { ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { prepareLocalNginx } from '../../../../deploy/nginx/local-nginx.cjs';

/** A running nginx in front of some API processes. */
export interface Nginx {
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Debian's `nginx` (or `$NGINX`) with deploy/nginx/parley.conf in front of `upstreams`, on a free
 * local port ({@link prepareLocalNginx}). Throws (never skips) when nginx is missing.
 */
export async function startNginx(upstreams: string[]): Promise<Nginx> {
  const port = await freePort();
  const { dir, binary, args } = prepareLocalNginx({ port, upstreams });
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (failed) {
      throw new Error(`cannot run ${binary} (${failed.message}): install it (Debian: apt-get install -y nginx) or set NGINX`);
    }
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100) throw new Error(`nginx not answering on ${url}: ${output}`);
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
