/** A message the visitor wrote that the API has not confirmed yet (kept across reloads). */
export interface OutboxEntry {
  clientMessageId: string;
  content: string;
  /** When the visitor sent it, Unix ms. */
  createdAt: number;
}

/** What the widget remembers in the browser for one Parley server (localStorage). */
export interface StoredVisitor {
  /** The guest token from `createVisitor`. */
  token?: string;
  /** Which identity ({@link identityKey}) the token was created for; null for an anonymous visitor. */
  identity?: string | null;
  /** The visitor's latest chat session. */
  sessionId?: string;
  /** True while that chat session is WAITING or ACTIVE: the launcher then connects at page load (unread badge). */
  sessionOpen?: boolean;
  /** Highest seq the visitor has seen with the panel open (unread = operator messages above it). */
  lastReadSeq?: number;
  /** Unconfirmed messages of the current chat session, resent (idempotently) after a reload. */
  outbox?: OutboxEntry[];
  /** What is in the message box, so a reload loses nothing the visitor typed. */
  draft?: string;
  /** Name and e-mail from the pre-chat step, until `createVisitor` has them. */
  profile?: VisitorIdentity;
}

/** A person the host page says is using it (`Parley.identify`). */
export interface VisitorIdentity {
  name?: string;
  email?: string;
}

/**
 * A stable key for an identity: the e-mail (case-insensitive) when given, else the name; null when neither.
 * A different key means a different person, whose chat must not be shown to this one.
 */
export function identityKey(identity: VisitorIdentity | null | undefined): string | null {
  const email = identity?.email?.trim().toLowerCase();
  if (email) return `e:${email}`;
  const name = identity?.name?.trim();
  return name ? `n:${name}` : null;
}

/**
 * The visitor's state in `localStorage` under `parley:<baseUrl>`, one JSON object. When storage is not
 * available (privacy mode, sandboxed frame) it lives in memory for the page's lifetime.
 */
export class VisitorStore {
  private readonly key: string;
  private memory: StoredVisitor = {};

  constructor(
    baseUrl: string,
    private readonly storage: Storage | null = safeLocalStorage(),
  ) {
    this.key = `parley:${baseUrl}`;
  }

  /** The stored state (a copy). */
  read(): StoredVisitor {
    if (!this.storage) return { ...this.memory };
    try {
      const raw = this.storage.getItem(this.key);
      const value: unknown = raw ? JSON.parse(raw) : {};
      return value && typeof value === 'object' ? (value) : {};
    } catch {
      return { ...this.memory };
    }
  }

  /** Merges `patch` into the stored state (`undefined` fields are removed) and returns the result. */
  update(patch: Partial<StoredVisitor>): StoredVisitor {
    const next: StoredVisitor = { ...this.read(), ...patch };
    for (const k of Object.keys(next) as (keyof StoredVisitor)[]) if (next[k] === undefined) delete next[k];
    this.write(next);
    return next;
  }

  /** Forgets everything: token, chat session, outbox and draft. */
  clear(): void {
    this.memory = {};
    try {
      this.storage?.removeItem(this.key);
    } catch {
      // storage refused: memory is cleared anyway
    }
  }

  private write(value: StoredVisitor): void {
    this.memory = value;
    try {
      this.storage?.setItem(this.key, JSON.stringify(value));
    } catch {
      // quota or privacy mode: keep it in memory
    }
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
