import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type ApiProcess, E2E_DATABASE_URL, startApi } from '../../support/api-process';

/**
 * The API for one widget test file, on its own fresh database (created and migrated by the API on start,
 * dropped on {@link WidgetApi.stop}), so queue positions are exactly those the test makes.
 */
export interface WidgetApi {
  api: ApiProcess;
  stop(): Promise<void>;
}

/**
 * Starts the built API on a fresh database `parley_e2e_widget_<random>`.
 * @param databasePort where the API reaches PostgreSQL, when not at {@link E2E_DATABASE_URL}'s port (a TCP
 *   proxy in front of it, to cut the database away); the database is still dropped at that URL.
 */
export async function startWidgetApi(extraEnv: Record<string, string> = {}, databasePort?: number): Promise<WidgetApi> {
  const url = new URL(E2E_DATABASE_URL);
  const name = `parley_e2e_widget_${randomUUID().slice(0, 8)}`;
  url.pathname = `/${name}`;
  const apiUrl = new URL(url);
  if (databasePort !== undefined) apiUrl.port = String(databasePort);
  const api = await startApi({ DATABASE_URL: apiUrl.toString(), ...extraEnv });
  return {
    api,
    async stop() {
      await api.stop();
      url.pathname = '/postgres';
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
