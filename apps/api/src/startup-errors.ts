import { CONNECTION_LIMIT_ADVICE, isTooManyConnections } from './database/sql';

/**
 * One readable line for a failure to start, naming the variable to fix when a service is unreachable
 * (instead of a stack trace).
 */
export function describeStartupError(error: unknown): string {
  const e = error as { code?: string; message?: string; address?: string; port?: number; errors?: unknown[] };
  const nested = Array.isArray(e?.errors) && e.errors.length ? (e.errors[0] as typeof e) : undefined;
  const code = e?.code ?? nested?.code;
  const message = e?.message || nested?.message || String(error);
  // Already one line naming what to change (the message writer's connections: MessageWriter.onModuleInit).
  if (message.startsWith('Cannot reach') || message.startsWith('PostgreSQL refused')) return message;
  // The server is there and the URL right: its connection limit is what to change.
  if (isTooManyConnections({ code })) return `PostgreSQL refused a connection (${message}): ${CONNECTION_LIMIT_ADVICE}`;
  const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code ?? '');
  const port = e?.port ?? nested?.port;
  if (unreachable && port === 6379) return `Cannot reach Redis: check REDIS_URL (${message})`;
  // PostgreSQL's class 28 (the role or its password refused) and 3D000 (no such database); node-postgres'
  // own words when the server (or something at its address) closes the connection during start-up.
  if (unreachable || code?.startsWith('28') || code === '3D000' || /postgres|database|Connection terminated/i.test(message)) {
    return `Cannot reach PostgreSQL: check DATABASE_URL (${message})`;
  }
  if (/redis/i.test(message)) return `Cannot reach Redis: check REDIS_URL (${message})`;
  if (code === 'EADDRINUSE') return `Port already in use: set PORT to a free port (${message})`;
  return `Parley failed to start: ${message}`;
}

/**
 * Pings Redis once without retrying, so `npm start` can fail fast with one line naming `REDIS_URL`.
 * @throws Error `Cannot reach Redis: check REDIS_URL (…)`
 */
export async function assertRedisReachable(redisUrl: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Cannot reach Redis: check REDIS_URL (${(error as Error).message})`);
  } finally {
    client.disconnect();
  }
}
