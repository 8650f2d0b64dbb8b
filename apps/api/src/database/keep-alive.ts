/**
 * How long (ms) a kept PostgreSQL connection may stay silent before TCP sends a keepalive probe on it.
 *
 * Both pools keep their connections while idle (the message writer's and MikroORM's, bench/NOTES.md §33).
 * A NAT, load balancer or firewall between the API and PostgreSQL forgets a flow that carried nothing for a
 * while (AWS NAT gateway: 350 s; Azure Load Balancer: 4 min by default) and then drops its packets without
 * a word: the next statement on that connection hangs until TCP gives up, many minutes later. A probe
 * after every minute of silence keeps such a flow known. Should the peer be gone (a host lost, not a
 * restart, which closes connections), the probes find it out: Node (libuv 1.46, Node 20) sets each such
 * socket to probe every second, ten times (`TCP_KEEPINTVL` 1, `TCP_KEEPCNT` 10, whatever the system's
 * `net.ipv4.tcp_keepalive_*` say), so an idle connection to a peer gone is closed about 70 s after it fell
 * silent, and the pool opens another when it is needed.
 */
export const KEEPALIVE_IDLE_MS = 60_000;

/**
 * node-postgres client options that turn TCP keepalive on after {@link KEEPALIVE_IDLE_MS} of silence
 * (`keepAlive`, `keepAliveInitialDelayMillis`: node-postgres' client config, `net.Socket#setKeepAlive`).
 * For every pool that keeps connections: `pg.Pool`'s options, and MikroORM's `driverOptions.connection`
 * (knex hands it to node-postgres).
 */
export const POSTGRES_KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS } as const;
