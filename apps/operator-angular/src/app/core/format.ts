import type { Presence, SenderRole } from '@parley/graphql';

/** What the console shows for a visitor: the name they gave, else "Visitor #" and a short id. */
export function visitorLabel(visitor: { id: string; name: string | null }): string {
  const name = visitor.name?.trim();
  return name ? name : `Visitor #${visitor.id.replace(/-/g, '').slice(0, 6).toUpperCase()}`;
}

/**
 * A waiting time as a ticking clock: `0:07`, `3:05`, `1:02:10`.
 * @param ms elapsed milliseconds (negative values, from clock skew, count as 0)
 */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** Local clock time of an ISO-8601 instant, e.g. `14:05`. */
export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** Local date and time of an ISO-8601 instant, e.g. `29 Nov 2026, 14:05`. */
export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/** Local date of an ISO-8601 instant, e.g. `29 Nov 2026`. */
export function formatDay(iso: string): string {
  return dayFormat.format(new Date(iso));
}

/** Human words for a presence value; `null` (not known yet) reads "unknown". */
export function presenceLabel(presence: Presence | null): string {
  switch (presence) {
    case 'ONLINE':
      return 'Online';
    case 'AWAY':
      return 'Away';
    case 'OFFLINE':
      return 'Offline';
    case null:
      return 'Unknown';
  }
}

/** Who wrote a message, as the console labels the group of messages. */
export function senderLabel(role: SenderRole, senderName: string | null, visitorName: string): string {
  switch (role) {
    case 'VISITOR':
      return visitorName;
    case 'OPERATOR':
      return senderName ?? 'Operator';
    case 'SYSTEM':
      return 'Parley';
  }
}
