import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { admin, urlAs } from '../../test/support/server-backends';
import { eventually } from '../../test/support/wait-for';
import { mikroOrmOptions, ORM_CONNECTIONS } from './mikro-orm.config';
import { openOrmConnections } from './orm-connections';

/** Backends connected now as `role`. */
async function backendsOf(role: string): Promise<number> {
  return (await admin(`SELECT 1 FROM pg_stat_activity WHERE usename = '${role}'`)).length;
}

describe('openOrmConnections (real PostgreSQL)', () => {
  const orms: MikroORM[] = [];
  const orm = async (url: string) => {
    const created = await MikroORM.init({ ...mikroOrmOptions(url), connect: false });
    orms.push(created);
    return created;
  };
  afterAll(() => Promise.all(orms.map((o) => o.close(true))));

  describe('with room for them', () => {
    const role = `parley_test_orm_${randomUUID().slice(0, 8)}`;
    beforeAll(() => admin(`CREATE ROLE ${role} LOGIN`));
    afterAll(() => admin(`DROP ROLE IF EXISTS ${role}`));

    it("opens every connection of the ORM's pool before anything uses it, and the pool keeps them", async () => {
      const started = await orm(urlAs(`parley-test-${role}`, role));
      expect(await backendsOf(role)).toBe(0); // knex's pool opens none by itself
      await openOrmConnections(started);
      expect(await backendsOf(role)).toBe(ORM_CONNECTIONS);
      await started.em.getConnection().execute('SELECT 1');
      expect(await backendsOf(role)).toBe(ORM_CONNECTIONS);
    });
  });

  describe('when PostgreSQL refuses some of them at start', () => {
    const role = `parley_test_orm_limited_${randomUUID().slice(0, 8)}`;
    beforeAll(() => admin(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 2`));
    afterAll(() => admin(`DROP ROLE IF EXISTS ${role}`));

    it('fails in one line saying what to change, and holds no connection', async () => {
      const limited = await orm(urlAs(`parley-test-${role}`, role));
      // At most two get in; PostgreSQL counts a role's connections loosely when they arrive together, so fewer may.
      await expect(openOrmConnections(limited)).rejects.toThrow(
        new RegExp(
          `^PostgreSQL refused (8|9|10) of the ${ORM_CONNECTIONS} connections for the ORM \\(too many connections for role "${role}"\\): ` +
            "raise its connection limit \\(max_connections, or the role's or database's CONNECTION LIMIT\\)$",
        ),
      );
      await eventually(async () => (await backendsOf(role)) === 0, "the role's connections closed");
    });
  });
});
