import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { queryServer } from '../test/support/global-setup';
import { assertRedisReachable, describeStartupError } from './startup-errors';

describe('start-up errors', () => {
  it('names DATABASE_URL for a refused PostgreSQL connection', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', port: 5432 });
    expect(describeStartupError(error)).toBe('Cannot reach PostgreSQL: check DATABASE_URL (connect ECONNREFUSED 127.0.0.1:5432)');
  });

  it("passes the message writer's refused connections on as they are (they name what to change)", () => {
    const message = 'PostgreSQL refused 2 of the 24 connections for messages (sorry, too many clients already): raise its connection limit …';
    expect(describeStartupError(new Error(message))).toBe(message);
  });

  it('names DATABASE_URL when the real PostgreSQL refuses the role', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    url.username = 'no_such_parley_role';
    const error: unknown = await new Client({ connectionString: url.toString() }).connect().catch((e: unknown) => e);
    expect(describeStartupError(error)).toMatch(/^Cannot reach PostgreSQL: check DATABASE_URL \(.*no_such_parley_role/);
  });

  it('names the connection limit, not DATABASE_URL, when the real PostgreSQL refuses a connection for the number of connections', async () => {
    const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const role = `parley_test_no_connections_${randomUUID().slice(0, 8)}`;
    await queryServer(admin, `CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
    try {
      const url = new URL(admin);
      url.username = role;
      const error: unknown = await new Client({ connectionString: url.toString() }).connect().catch((e: unknown) => e);
      expect(describeStartupError(error)).toBe(
        `PostgreSQL refused a connection (too many connections for role "${role}"): ` +
          "raise its connection limit (max_connections, or the role's or database's CONNECTION LIMIT)",
      );
    } finally {
      await queryServer(admin, `DROP ROLE ${role}`);
    }
  });

  it('names DATABASE_URL when what answers at its address closes the connection', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as { port: number };
    try {
      const error: unknown = await new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/parley` }).connect().catch((e: unknown) => e);
      expect(describeStartupError(error)).toMatch(/^Cannot reach PostgreSQL: check DATABASE_URL \(/);
    } finally {
      server.close();
    }
  });

  it('names PORT when the port is taken', () => {
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use :::3000'), { code: 'EADDRINUSE' });
    expect(describeStartupError(error)).toMatch(/^Port already in use: set PORT/);
  });

  it('fails fast, in one line naming REDIS_URL, when Redis does not answer', async () => {
    await expect(assertRedisReachable('redis://127.0.0.1:1')).rejects.toThrow(/^Cannot reach Redis: check REDIS_URL/);
  });

  it('passes when Redis answers (the real one on this machine)', async () => {
    await expect(assertRedisReachable('redis://127.0.0.1:6379')).resolves.toBeUndefined();
  });
});
