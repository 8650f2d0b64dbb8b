import { onServer } from './global-setup';

/** Drops this run's test database (see global-setup). */
export default async function globalTeardown(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) await onServer(url, (name) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
