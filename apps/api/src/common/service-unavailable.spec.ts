import { describeUnavailable, isServiceUnavailable } from './service-unavailable';

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

describe('isServiceUnavailable: PostgreSQL refusals', () => {
  /** The shape node-postgres gives a server's ErrorResponse. */
  const pgError = (message: string, fields: { code: string; severity?: string; routine?: string }) => Object.assign(new Error(message), fields);

  it('takes 55000 for an outage only when it refused a connection to the database (ALLOW_CONNECTIONS false)', () => {
    const refused = pgError('database "parley" is not currently accepting connections', { code: '55000', severity: 'FATAL', routine: 'CheckMyDatabase' });
    expect(isServiceUnavailable(refused)).toBe(true);
    expect(isServiceUnavailable(Object.assign(new Error('wrapped by the ORM'), { previous: refused }))).toBe(true);
    // Translated by a server with another lc_messages: the routine still says where it came from.
    expect(isServiceUnavailable(pgError('la base de données « parley » n’accepte plus les connexions', { code: '55000', routine: 'CheckMyDatabase' }))).toBe(true);
    // A server leaving routines out: the message.
    expect(isServiceUnavailable(pgError('database "parley" is not currently accepting connections', { code: '55000' }))).toBe(true);
  });

  it('leaves a statement-level 55000 (a bug or a refused statement, the same on every retry) an internal error', () => {
    const currval = pgError('currval of sequence "s" is not yet defined in this session', { code: '55000', severity: 'ERROR', routine: 'currval_oid' });
    expect(isServiceUnavailable(currval)).toBe(false);
    expect(isServiceUnavailable(pgError('cannot alter type of a column used by a view or rule', { code: '55000', routine: 'ATExecAlterColumnType' }))).toBe(false);
  });

  it('takes 25006 read_only_sql_transaction (a standby, a server set read-only) for an outage of writes', () => {
    expect(isServiceUnavailable(pgError('cannot execute INSERT in a read-only transaction', { code: '25006', routine: 'PreventCommandIfReadOnly' }))).toBe(true);
    expect(isServiceUnavailable(pgError('cannot execute nextval() during recovery', { code: '25006' }))).toBe(true);
    // Other invalid transaction states stay internal errors.
    expect(isServiceUnavailable(pgError('current transaction is aborted, commands ignored until end of transaction block', { code: '25P02' }))).toBe(false);
  });
});
