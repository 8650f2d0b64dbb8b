import { queryServer } from './global-setup';

/** The test server's maintenance database: statements on it read no table. */
export function serverUrl(): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
}

/** Runs `sql` on its own connection to the test server. */
export const admin = <Row>(sql: string): Promise<Row[]> => queryServer<Row>(serverUrl(), sql);

/** `serverUrl()` as `user`, its connections named `name` (the URL's `application_name` wins over the pool's). */
export function urlAs(name: string, user?: string): string {
  const url = new URL(serverUrl());
  url.searchParams.set('application_name', name);
  if (user) url.username = user;
  return url.toString();
}

/** Backends connected now whose `application_name` is `name`. */
export async function backendsNamed(name: string): Promise<number[]> {
  const rows = await admin<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = '${name}' ORDER BY pid`);
  return rows.map((r) => r.pid);
}
