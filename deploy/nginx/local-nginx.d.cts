/** See local-nginx.cjs. */
export declare function prepareLocalNginx(options: { port: number; upstreams: string[]; workerConnections?: number }): {
  /** The prefix directory; the caller removes it once nginx has stopped. */
  dir: string;
  /** `$NGINX`, else Debian's /usr/sbin/nginx when present, else `nginx` on the PATH. */
  binary: string;
  args: string[];
};
