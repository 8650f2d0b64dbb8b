import { describeUnavailable } from './service-unavailable';

describe('describeUnavailable', () => {
  it('names the message and the first code of the chain', () => {
    const pg = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(describeUnavailable(Object.assign(new Error('wrapped'), { cause: pg }))).toBe('wrapped, 57P01');
    expect(describeUnavailable(pg)).toBe('terminating connection due to administrator command, 57P01');
  });

  it("takes an AggregateError's first inner message when its own is empty (a refused connection on IPv4 and IPv6)", () => {
    // The shape Node's net module gives with autoSelectFamily: an empty message, the code, one error per address.
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const aggregate = Object.assign(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')], ''), { code: 'ECONNREFUSED' });
    expect(describeUnavailable(aggregate)).toBe('connect ECONNREFUSED ::1:5432, ECONNREFUSED');
  });

  it('falls back to the name or the code, never to an empty reason', () => {
    expect(describeUnavailable(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('Error, ETIMEDOUT');
    expect(describeUnavailable({ code: 'ECONNRESET' })).toBe('ECONNRESET');
  });
});
