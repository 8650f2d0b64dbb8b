// An outage's log lines as the API writes them (pino's JSON, from the built API): the first failed request
// is written with its own request's fields, and the line counting the requests after it carries no one
// request's fields and names each cause it counted (a PostgreSQL restart: 57P01 for the statements it ends,
// then ECONNREFUSED while it is down).
import { Client } from 'pg';
import { ApiChild, startApiChild } from './support/api-process';
import { TEST_DATABASE_URL } from './support/global-setup';
import { CuttableProxy, startCuttableProxy } from './support/tcp-proxy';
import { eventually } from './support/wait-for';

/** One line of pino's JSON output. */
interface LogLine {
  msg: string;
  req?: { method: string; url: string };
}

/** The lines `api` has written so far that `ServiceUnavailableFilter` wrote. */
function filterLines(api: ApiChild): LogLine[] {
  return api
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine & { context?: string })
    .filter((line) => line.context === 'ServiceUnavailableFilter');
}

describe('the log lines of a PostgreSQL outage', () => {
  let proxy: CuttableProxy;
  let api: ApiChild;
  let locker: Client;

  beforeAll(async () => {
    proxy = await startCuttableProxy(Number(new URL(TEST_DATABASE_URL).port));
    const databaseUrl = new URL(TEST_DATABASE_URL);
    databaseUrl.port = String(proxy.port);
    api = await startApiChild({ DATABASE_URL: databaseUrl.toString(), REDIS_PREFIX: `outage-lines-${process.pid}` });
    locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await api.stop();
    await proxy.close();
  });

  const scrape = () => fetch(new URL('/metrics', api.url)).then((response) => response.status);

  it("writes the first failure with its request, then one count naming 57P01 and ECONNREFUSED, with no request's fields", async () => {
    // Two scrapes wait for the table (the queue length's count), and PostgreSQL ends both statements (57P01).
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE chat_session IN ACCESS EXCLUSIVE MODE');
    const terminated = [scrape(), scrape()];
    await eventually(async () => {
      await locker.query('SELECT pg_stat_clear_snapshot()'); // else the transaction sees the activity of its first look
      const { rows } = await locker.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
      );
      return rows.length === 2;
    }, 'two scrapes waiting for the lock');
    // This database's only: other test files share the cluster.
    await locker.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    await locker.query('ROLLBACK');
    expect(await Promise.all(terminated)).toEqual([503, 503]);
    // Then PostgreSQL is down: no connection is accepted (ECONNREFUSED), within the same second.
    await proxy.close();
    expect(await Promise.all([scrape(), scrape()])).toEqual([503, 503]);

    const lines = await eventually(() => {
      const written = filterLines(api);
      return written.length >= 2 && written;
    }, 'the count line');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      msg: 'A request failed: PostgreSQL or Redis unavailable (terminating connection due to administrator command, 57P01); answered SERVICE_UNAVAILABLE',
      req: { method: 'GET', url: '/metrics' },
    });
    const count = /^3 more request\(s\) failed with PostgreSQL or Redis unavailable within 1 s: (.+)$/.exec(lines[1].msg);
    expect(count).not.toBeNull();
    // Each cause once, with how many it counted. A scrape may take a pooled connection the proxy's close ended
    // before the API noticed: "Connection terminated unexpectedly", PostgreSQL being down all the same.
    const causes = count![1].split('; ').map((part) => /^(\d+) × (.+)$/.exec(part)!.slice(1));
    expect(causes[0]).toEqual(['1', 'terminating connection due to administrator command, 57P01']);
    const down = causes.slice(1).map(([n, cause]) => [Number(n), cause.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>')]);
    expect(down.reduce((sum, [n]) => sum + (n as number), 0)).toBe(2);
    expect(down.map(([, cause]) => cause)).toContain('connect ECONNREFUSED 127.0.0.1:<port>, ECONNREFUSED');
    for (const [, cause] of down) expect(['connect ECONNREFUSED 127.0.0.1:<port>, ECONNREFUSED', 'Connection terminated unexpectedly']).toContain(cause);
    expect(lines[1]).not.toHaveProperty('req');
  });
});
