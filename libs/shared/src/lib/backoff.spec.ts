import { equalJitterBackoffMs } from './backoff';

describe('equalJitterBackoffMs', () => {
  it('doubles from the first wait up to the cap, half of it fixed and half random', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40, 2000].map((attempt) => equalJitterBackoffMs(attempt, 1000, 30000, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000,
    ]);
    expect([0, 1, 5, 40].map((attempt) => equalJitterBackoffMs(attempt, 1000, 30000, () => 0))).toEqual([500, 1000, 15000, 15000]);
    expect(equalJitterBackoffMs(2, 100, 5000, () => 0.5)).toBe(300);
  });
});
