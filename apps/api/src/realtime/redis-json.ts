/**
 * JSON for Redis pub/sub payloads that keeps `Date`s as `Date`s.
 * Plain JSON turns a Date into a string, which the GraphQL `DateTime` scalar then rejects, and a reviver
 * that guesses dates from strings would corrupt message text that merely looks like a date.
 * So a Date is written as `{"$date":"<ISO-8601>"}` and only that shape is revived.
 *
 * Both directions walk the value themselves rather than passing a replacer or reviver to `JSON`, which
 * calls back for every key: every published event goes through here (bench/NOTES.md).
 */
export function serializeWithDates(value: unknown): string {
  return JSON.stringify(toWire(value));
}

/** Inverse of {@link serializeWithDates}. */
export function deserializeWithDates(text: string | Buffer): unknown {
  return revive(JSON.parse(text.toString()));
}

function toWire(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toWire);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return toWire(json.call(value));
  // No prototype: a key named "__proto__" stays an ordinary key, as JSON.stringify would write it.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) out[key] = toWire((value as Record<string, unknown>)[key]);
  return out;
}

function revive(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '$date' && typeof record.$date === 'string') return new Date(record.$date);
  for (const key of keys) {
    const inner = record[key];
    if (inner === null || typeof inner !== 'object') continue;
    const revived = revive(inner);
    // defineProperty: assigning to "__proto__" would replace the prototype instead.
    if (revived !== inner) Object.defineProperty(record, key, { value: revived, enumerable: true, writable: true, configurable: true });
  }
  return record;
}
