// A throwaway nginx with the shipped site (parley.conf), for the scale-out test and the benchmark.
'use strict';
const { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The shipped reverse-proxy configuration (what docker-compose.yml runs). */
const SITE = path.join(__dirname, 'parley.conf');

/**
 * Writes a prefix directory for Debian's `nginx` (or `$NGINX`) serving deploy/nginx/parley.conf, its
 * `server host:port;` upstream lines replaced by `upstreams` ("127.0.0.1:port") and `listen 80` by
 * `127.0.0.1:port`; one worker process, so round-robin alternates exactly; in the foreground
 * (`daemon off`), logging errors only. Returns the directory (the caller removes it), the binary and
 * its arguments; the caller starts it and waits for `/healthz`.
 *
 * @param {{ port: number, upstreams: string[], workerConnections?: number }} options
 * @returns {{ dir: string, binary: string, args: string[] }}
 */
function prepareLocalNginx({ port, upstreams, workerConnections = 1024 }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-nginx-'));
  chmodSync(dir, 0o755);
  // nginx's worker runs as another user unless root: its temporary folders must be writable to it.
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(path.join(dir, sub));
    chmodSync(path.join(dir, sub), 0o777);
  }
  const site = readFileSync(SITE, 'utf8')
    .replace(/^\s*server\s+\S+:\d+;\n/gm, '')
    .replace(/(upstream parley_api \{\n)/, `$1${upstreams.map((u) => `  server ${u};\n`).join('')}`)
    .replace(/listen\s+80;/, `listen 127.0.0.1:${port};`);
  writeFileSync(path.join(dir, 'parley.conf'), site);
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
worker_rlimit_nofile ${Math.max(1024, workerConnections * 2)};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/parley.conf;
}
`,
  );
  // Debian puts it in /usr/sbin, which is not on every PATH.
  const binary = process.env.NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
  return { dir, binary, args: ['-p', dir, '-c', path.join(dir, 'nginx.conf')] };
}

module.exports = { prepareLocalNginx };
