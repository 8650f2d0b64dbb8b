/**
 * Small JSON wrapper around `localStorage` for what the console keeps across reloads (the operator's
 * session, drafts, unsent messages, read markers, notification settings). Every key starts with
 * `parley.console.`. Storage can be unavailable (private mode, quota): reads then return the fallback and
 * writes are dropped, so the console keeps working, only without persistence.
 */
export const STORAGE_PREFIX = 'parley.console.';

/** Reads and parses `parley.console.<key>`; `fallback` when missing, unreadable or not valid JSON. */
export function readStored<T>(key: string, fallback: T): T {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_PREFIX + key);
    return raw == null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

/** Stores `value` as JSON under `parley.console.<key>`; `undefined` or `null` removes the key. */
export function writeStored(key: string, value: unknown): void {
  try {
    if (value === undefined || value === null) globalThis.localStorage?.removeItem(STORAGE_PREFIX + key);
    else globalThis.localStorage?.setItem(STORAGE_PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the value lives in memory only.
  }
}
