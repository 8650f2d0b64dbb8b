import { ErrorCode } from '@parley/shared';
import { ServiceUnavailableError } from '../common/service-unavailable';
import { presenceReadError } from './unknown-presence';

/** What ioredis rejects a command with when Redis has not answered within its `commandTimeout`. */
const timedOut = () => new Error('Command timed out');

describe('presenceReadError', () => {
  it("words ioredis' command timeout as SERVICE_UNAVAILABLE, retryable", () => {
    const error = presenceReadError(timedOut());
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE, details: { retryable: true }, message: 'Redis did not answer a presence read within 2 s' });
  });

  it('leaves every other error as it is', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(presenceReadError(refused)).toBe(refused);
    expect(presenceReadError('Command timed out')).toBe('Command timed out');
  });
});
