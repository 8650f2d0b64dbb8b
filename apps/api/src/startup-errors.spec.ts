import { assertRedisReachable, describeStartupError } from './startup-errors';

describe('start-up errors', () => {
  it('names DATABASE_URL for a refused PostgreSQL connection', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', port: 5432 });
    expect(describeStartupError(error)).toBe('Cannot reach PostgreSQL: check DATABASE_URL (connect ECONNREFUSED 127.0.0.1:5432)');
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
