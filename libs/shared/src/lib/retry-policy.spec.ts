import { ErrorCode } from './error-codes';
import { RETRY_BASE_MS, RETRY_MAX_MS, resendsByItself, retryDelayMs } from './retry-policy';

describe('retryDelayMs', () => {
  it('doubles from RETRY_BASE_MS up to RETRY_MAX_MS, half of it fixed and half random', () => {
    expect([RETRY_BASE_MS, RETRY_MAX_MS]).toEqual([1000, 30000]);
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((attempt) => retryDelayMs(attempt, () => 1))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect([0, 1, 5, 40].map((attempt) => retryDelayMs(attempt, () => 0))).toEqual([500, 1000, 15000, 15000]);
  });
});

describe('resendsByItself', () => {
  it('resends what may pass: SERVICE_UNAVAILABLE, RATE_LIMITED, and no answer at all', () => {
    expect([ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.RATE_LIMITED, undefined].map(resendsByItself)).toEqual([true, true, true]);
  });

  it('leaves the rest to a person: INTERNAL_SERVER_ERROR, and every final code', () => {
    const others = ['INTERNAL_SERVER_ERROR', ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.SERVICE_UNAVAILABLE && code !== ErrorCode.RATE_LIMITED)];
    expect(others.map(resendsByItself)).toEqual(others.map(() => false));
  });
});
