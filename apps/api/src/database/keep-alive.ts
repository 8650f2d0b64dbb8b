/**
 * How long (ms) a kept PostgreSQL connection may stay silent before TCP sends a keepalive probe on it.
 *
 * Both pools keep their connections while idle (the message writer's and MikroORM's, bench/NOTES.md §33).
 * A NAT, load balancer or firewall between the API and PostgreSQL forgets a flow that carried nothing for a
 * while (AWS NAT gateway: 350 s; Azure Load Balancer: 4 min by default) and then drops its packets without
 * a word: the next statement on that connection hangs until TCP gives up, many minutes later. A probe
 * every minute of silence keeps such a flow known. Should the peer be gone (a host lost, not a restart,
 * which closes connections), the operating system's probes after the first find it out:
 * on Linux `net.ipv4.tcp_keepalive_intvl` × `tcp_keepalive_probes`, 75 s × 9 by default.
 */
export const KEEPALIVE_IDLE_MS = 60_000;

/**
 * node-postgres client options that turn TCP keepalive on after {@link KEEPALIVE_IDLE_MS} of silence
 * (`keepAlive`, `keepAliveInitialDelayMillis`: node-postgres' client config, `net.Socket#setKeepAlive`).
 * For every pool that keeps connections: `pg.Pool`'s options, and MikroORM's `driverOptions.connection`
 * (knex hands it to node-postgres).
 */
export const POSTGRES_KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS } as const;
