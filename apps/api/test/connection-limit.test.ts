// An API process opens all its PostgreSQL connections before it serves: the message writer's
// (MESSAGE_WRITER_CONNECTIONS) and the ORM's (ORM_CONNECTIONS). Where PostgreSQL's connection limit leaves no
// room for them, it does not start, and says what to change in one line (README, "Production shape").
import { randomUUID } from 'node:crypto';
import { ORM_CONNECTIONS } from '../src/database/mikro-orm.config';
import { startApiChild } from './support/api-process';
import { admin, serverUrl } from './support/server-backends';

describe('PostgreSQL connection limit at start (real PostgreSQL, the built API)', () => {
  const role = `parley_test_room_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    // A role's CONNECTION LIMIT binds it (a superuser's would not), and it owns its database so it can migrate it.
    await admin(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 8`);
    await admin(`CREATE DATABASE ${role} OWNER ${role}`);
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it("does not start when the ORM's connections do not fit beside the message writer's, and says so in one line", async () => {
    const url = new URL(serverUrl());
    url.username = role;
    url.pathname = `/${role}`;
    const failed = await startApiChild({
      DATABASE_URL: url.toString(),
      REDIS_PREFIX: `room-${randomUUID().slice(0, 8)}`,
      MESSAGE_WRITER_CONNECTIONS: '4',
    }).then(
      async (started) => void (await started.stop()), // started after all: the assertions below say so
      (error: Error) => error.message,
    );
    expect(failed).toBeDefined();
    const lines = failed!.replace(/^API exited \(1\): /, '').split('\n').filter((line) => line.trim() !== '');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^PostgreSQL refused \\d+ of the ${ORM_CONNECTIONS} connections for the ORM \\(too many connections for role "${role}"\\): ` +
            "raise its connection limit \\(max_connections, or the role's or database's CONNECTION LIMIT\\)$",
        ),
      ),
    );
    expect(failed).not.toMatch(/^\s+at /m); // no stack trace
    expect(failed).toMatch(/^API exited \(1\)/);
  });
});
