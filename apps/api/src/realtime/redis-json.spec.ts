import { deserializeWithDates, serializeWithDates } from './redis-json';

describe('Redis JSON with dates', () => {
  it('round-trips Dates as Dates, at millisecond precision', () => {
    const sentAt = new Date('2026-11-29T10:11:12.345Z');
    const back = deserializeWithDates(serializeWithDates({ message: { sentAt, seq: 3 } })) as {
      message: { sentAt: Date; seq: number };
    };
    expect(back.message.sentAt).toBeInstanceOf(Date);
    expect(back.message.sentAt.toISOString()).toBe('2026-11-29T10:11:12.345Z');
    expect(back.message.seq).toBe(3);
  });

  it('leaves text that looks like a date as text', () => {
    const payload = { content: '2026-11-29T10:11:12.345Z', status: 'WAITING' };
    expect(deserializeWithDates(serializeWithDates(payload))).toEqual(payload);
  });
});

describe('Redis JSON edge cases', () => {
  it('writes what JSON.stringify writes for everything but Dates: arrays, nulls, undefined, toJSON, nested', () => {
    const value = {
      list: [1, 'two', null, { at: new Date(0) }],
      missing: undefined,
      nested: { deeper: { n: 1, flag: false } },
      custom: { toJSON: () => ({ as: 'json' }) },
    };
    expect(JSON.parse(serializeWithDates(value))).toEqual({
      list: [1, 'two', null, { at: { $date: '1970-01-01T00:00:00.000Z' } }],
      nested: { deeper: { n: 1, flag: false } },
      custom: { as: 'json' },
    });
    const back = deserializeWithDates(serializeWithDates(value)) as { list: [number, string, null, { at: Date }] };
    expect(back.list[3].at).toEqual(new Date(0));
  });

  it('keeps a key named "__proto__" an ordinary key both ways, never a prototype', () => {
    const text = '{"__proto__":{"$date":"2026-11-29T10:11:12.345Z"},"a":{"__proto__":{"polluted":true}}}';
    const back = deserializeWithDates(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual(new Date('2026-11-29T10:11:12.345Z'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(serializeWithDates(back)).toBe(text);
  });

  it('only a lone "$date" string is a Date', () => {
    const payload = { a: { $date: '2026-11-29T10:11:12.345Z', other: 1 }, b: { $date: 5 } };
    expect(deserializeWithDates(JSON.stringify(payload))).toEqual(payload);
  });
});
