/**
 * JSON for Redis pub/sub payloads that keeps `Date`s as `Date`s.
 * Plain JSON turns a Date into a string, which the GraphQL `DateTime` scalar then rejects, and a reviver
 * that guesses dates from strings would corrupt message text that merely looks like a date.
 * So a Date is written as `{"$date":"<ISO-8601>"}` and only that shape is revived.
 */
export function serializeWithDates(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : converted;
  });
}

/** Inverse of {@link serializeWithDates}. */
export function deserializeWithDates(text: string | Buffer): unknown {
  return JSON.parse(text.toString(), (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const date = (value as { $date?: unknown }).$date;
      if (keys.length === 1 && typeof date === 'string') return new Date(date);
    }
    return value;
  });
}
