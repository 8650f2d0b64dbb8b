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
  /**
   * Which identity ({@link identityKey}) the token was created for, or before there is one, the unsent
   * messages were written as; null for an anonymous visitor.
   */
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

/**
 * A person the host page says is using it (`Parley.identify`): a name and e-mail as the site knows them,
 * or — for a site that verifies its users — a signed identity: `userId`, `issuedAt` and `signature` (with
 * the `email` and `name` exactly as signed), computed by the site's server with its `IDENTITY_SECRET`.
 */
export interface VisitorIdentity {
  name?: string | null;
  email?: string | null;
  /** The site's stable id of its signed-in user (1–255 characters); makes this a signed identity. */
  userId?: string;
  /** When the site's server signed it, Unix seconds (Parley accepts it for `IDENTITY_MAX_AGE_SECONDS`, default 600). */
  issuedAt?: number;
  /**
   * Lower-case hex HMAC-SHA256, under the site's `IDENTITY_SECRET`, of
   * `JSON.stringify([userId, email ?? null, name ?? null, issuedAt])`.
   */
  signature?: string;
}

/** A signed identity as `createVisitor` takes it (`CreateVisitorInput.identity`). */
export interface SignedIdentity {
  userId: string;
  email?: string | null;
  name?: string | null;
  issuedAt: number;
  signature: string;
}

/**
 * The signed part of an identity, passed through exactly as the site signed it (nothing trimmed or
 * shortened: that would break the signature); null when it carries no `userId`.
 */
export function signedIdentity(identity: VisitorIdentity | null | undefined): SignedIdentity | null {
  if (!identity || typeof identity.userId !== 'string' || identity.userId === '') return null;
  return {
    userId: identity.userId,
    email: identity.email,
    name: identity.name,
    issuedAt: identity.issuedAt as number,
    signature: identity.signature as string,
  };
}

/**
 * A stable key for an identity: the signed `userId` when there is one, else the e-mail (case-insensitive)
 * when given, else the name; null when none. A different key means a different person, whose chat must
 * not be shown to this one (a signed user and an unsigned visitor with the same e-mail are different people).
 */
export function identityKey(identity: VisitorIdentity | null | undefined): string | null {
  if (signedIdentity(identity)) return `u:${identity!.userId!}`;
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
