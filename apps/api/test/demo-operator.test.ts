import { gqlOk } from './support/api-client';
import { resetDatabase, startTestApi, TestApi } from './support/test-app';
import { DEMO_OPERATOR_EMAIL, seedDemoOperator } from '../src/operators/seed-demo-operator';
import { OperatorsService } from '../src/operators/operators.service';

describe('the demo operator seeded on an empty database', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('is created once when processes seed at the same moment, and none of them fails', async () => {
    await resetDatabase(api);
    const results = await Promise.allSettled([seedDemoOperator(api.app), seedDemoOperator(api.app), seedDemoOperator(api.app)]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const created = results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    expect(created).toHaveLength(1);
    expect(await api.app.get(OperatorsService).count()).toBe(1);
    const data = await gqlOk(api.httpUrl, 'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken operator { name } } }', {
      e: created[0].email,
      p: created[0].password,
    });
    expect(created[0].email).toBe(DEMO_OPERATOR_EMAIL);
    expect(data.loginOperator.operator.name).toBe('Demo Operator');
    expect(data.loginOperator.accessToken).toEqual(expect.any(String));
  });

  it('is not created when an operator exists', async () => {
    expect(await seedDemoOperator(api.app)).toBeUndefined();
  });
});
