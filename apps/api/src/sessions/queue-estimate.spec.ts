import { estimateWaitSeconds } from './queue-estimate';

describe('estimateWaitSeconds', () => {
  const base = { position: 1, recentWaitsSeconds: [], operatorsOnline: 1, fallbackSeconds: 120 };

  it('is unknown (null) when no operator is online', () => {
    expect(estimateWaitSeconds({ ...base, operatorsOnline: 0 })).toBeNull();
  });

  it('falls back to the configured seconds per place without history', () => {
    expect(estimateWaitSeconds({ ...base, position: 3 })).toBe(360);
  });

  it('uses the median of recent waits, not the mean', () => {
    expect(estimateWaitSeconds({ ...base, recentWaitsSeconds: [10, 20, 3000] })).toBe(20);
    expect(estimateWaitSeconds({ ...base, recentWaitsSeconds: [10, 20, 30, 40] })).toBe(25);
  });

  it('divides the queue among online operators', () => {
    const input = { ...base, recentWaitsSeconds: [30], position: 4 };
    expect(estimateWaitSeconds({ ...input, operatorsOnline: 1 })).toBe(120);
    expect(estimateWaitSeconds({ ...input, operatorsOnline: 2 })).toBe(60);
    expect(estimateWaitSeconds({ ...input, operatorsOnline: 4 })).toBe(30);
  });

  it('never grows as the position goes down', () => {
    const at = (position: number) => estimateWaitSeconds({ ...base, recentWaitsSeconds: [45, 50], position, operatorsOnline: 2 })!;
    for (let p = 10; p > 1; p--) expect(at(p - 1)).toBeLessThanOrEqual(at(p));
  });

  it('is at least one second', () => {
    expect(estimateWaitSeconds({ ...base, recentWaitsSeconds: [0, 0] })).toBe(1);
  });
});
