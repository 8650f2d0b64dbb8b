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
