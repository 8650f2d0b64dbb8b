import path from 'node:path';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

/** The development JWT secret; refused when `NODE_ENV=production`. */
export const DEVELOPMENT_JWT_SECRET = 'parley-development-secret-change-me-0000';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const positiveInt = z.coerce.number().int().positive();

/**
 * `TRUST_PROXY`: `true` (trust every proxy in `X-Forwarded-For`), `false`, or the number of proxies in front of
 * the API (Express's `trust proxy` hop count: `1` behind one nginx). A number is always a hop count, `1`
 * included: read as `true`, `TRUST_PROXY=1` would trust every address a client writes into `X-Forwarded-For`
 * and let it choose the IP its rate limits count.
 */
const trustProxy = z
  .string()
  .regex(/^(?:true|false|\d+)$/, 'must be true, false or the number of proxies in front of the API (a whole number: 1 behind one proxy)')
  .transform((v) => (v === 'true' ? true : v === 'false' ? false : Number(v)));

/** A comma-separated list whose items must each pass `item`; blanks around commas are ignored. */
function commaList(item: z.ZodType<string, string>) {
  return z
    .string()
    .transform((raw) => raw.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(item).min(1))
    .optional();
}

/** One mailbox (`Name <local@domain>` or `local@domain`), parsed by nodemailer's own address parser. */
function isOneMailbox(raw: string): boolean {
  const parsed = addressparser(raw, { flatten: true });
  return parsed.length === 1 && /^[^\s@]+@[^\s@]+$/.test(parsed[0].address);
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/parley'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only')
    .default('parley'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEVELOPMENT_JWT_SECRET),
  OPERATOR_TOKEN_TTL_SECONDS: positiveInt.default(12 * 3600),
  VISITOR_TOKEN_TTL_SECONDS: positiveInt.default(30 * 24 * 3600),
  QUEUE_FALLBACK_WAIT_SECONDS: positiveInt.default(120),
  QUEUE_ESTIMATE_SAMPLE: positiveInt.default(20),
  PRESENCE_TTL_SECONDS: positiveInt.default(60),
  STATIC_DIR: z.string().min(1).default('dist/apps'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ALLOWED_ORIGINS: z.string().optional(),
  TRUST_PROXY: trustProxy.default(false),
  RATE_LIMIT_VISITORS_PER_MINUTE: positiveInt.default(20),
  RATE_LIMIT_SESSIONS_PER_MINUTE: positiveInt.default(10),
  RATE_LIMIT_MESSAGES_PER_MINUTE: positiveInt.default(60),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt.default(25),
  WS_MAX_SOCKETS_PER_IP: positiveInt.default(50),
  MESSAGE_WRITER_CONNECTIONS: positiveInt.max(1000).default(24),
  IDENTITY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  IDENTITY_MAX_AGE_SECONDS: positiveInt.default(600),
  GRAPHQL_INTROSPECTION: bool.optional(),
  GRAPHQL_IDE: bool.optional(),
  RUN_WORKERS: bool.default(true),
  NOTIFY_WAITING_THRESHOLD_SECONDS: positiveInt.default(180),
  NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(6),
  NOTIFY_BACKOFF_MS: positiveInt.default(10_000),
  NOTIFY_JOB_LOCK_SECONDS: positiveInt.default(30),
  NOTIFY_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60), // a day at most: Node's timers hold up to 24.8 days
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must be a bot token like 123456:ABC-DEF… (from @BotFather)').optional(),
  TELEGRAM_CHAT_IDS: commaList(z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/, 'chat ids are numbers (e.g. -1001234567890) or @channelname')),
  TELEGRAM_API_URL: z.url().default('https://api.telegram.org'),
  TELEGRAM_MAX_RETRY_AFTER_SECONDS: positiveInt.default(300),
  SMTP_URL: z.string().regex(/^smtps?:\/\/.+/, 'must be an smtp:// or smtps:// URL').optional(),
  NOTIFY_EMAILS: commaList(z.email('must be e-mail addresses separated by commas')),
  NOTIFY_EMAIL_FROM: z.string().default('Parley <parley@localhost>').refine(isOneMailbox, 'must be one address, e.g. Parley <support@example.com>'),
});

/**
 * The whole runtime configuration, read once at boot from the environment by {@link loadConfig}.
 * Durations carry their unit in the name (`…_SECONDS`).
 */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /**
   * Base URL the API is reached at by people (used in links, e.g. in notifications; its origin is allowed by
   * CORS): `PUBLIC_URL`, without a trailing `/`; unset, `http://localhost:<PORT>`.
   */
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key and pub/sub channel Parley uses, so several deployments or test runs share a Redis. */
  redisPrefix: string;
  /** HMAC secret signing visitor and operator JWTs. Secret: never logged. */
  jwtSecret: string;
  operatorTokenTtlSeconds: number;
  visitorTokenTtlSeconds: number;
  /** Seconds one queue position is assumed to take when there is no accept history. */
  queueFallbackWaitSeconds: number;
  /** How many recent accepts (within 24 h) feed the wait estimate. */
  queueEstimateSample: number;
  /** Seconds an operator stays online without a heartbeat. */
  presenceTtlSeconds: number;
  logLevel: string;
  /** Absolute folder holding the built console (`operator-angular/browser`) and widget (`widget`). */
  staticDir: string;
  graphqlIntrospection: boolean;
  graphqlIde: boolean;
  /**
   * Origins (scheme://host[:port]) whose pages may talk to the API: CORS for HTTP, the `Origin` header of
   * WebSocket upgrades. `PUBLIC_URL`'s origin is always allowed; `*` allows any (the default outside
   * production). Requests without an `Origin` (servers, CLIs) are not browsers and are not checked.
   */
  allowedOrigins: '*' | string[];
  /** Express `trust proxy`: false, true, or how many proxy hops to trust for the client IP. */
  trustProxy: boolean | number;
  /** Rate limits, per minute: visitors created per IP; sessions started and messages sent per visitor (per IP: × {@link IP_RATE_FACTOR}). */
  rateLimits: { visitorsPerMinute: number; sessionsPerMinute: number; messagesPerMinute: number };
  /** Active operations (subscriptions included) one WebSocket may run at once. */
  wsMaxSubscriptionsPerSocket: number;
  /** Open WebSockets one client IP may hold on one instance. */
  wsMaxSocketsPerIp: number;
  /**
   * PostgreSQL connections `sendMessage`'s statement runs on (`MessageWriter`), beside MikroORM's 10. All
   * are opened at start and kept (a fixed-size pool: bench/NOTES.md §33).
   */
  messageWriterConnections: number;
  /**
   * Visitor identity verification: the secret the customer site signs its users' identities with
   * (HMAC-SHA256; absent = verification off) and how old a signature may be, in seconds. Secret: never logged.
   */
  identity: { secret?: string; maxAgeSeconds: number };
  /** Run notification job processors in this process (`RUN_WORKERS`); when false only `npm run worker` processes run them. */
  runWorkers: boolean;
  notifications: NotificationsConfig;
}

/** Per-IP limits are this many times the per-visitor ones (one office or NAT holds many visitors). */
export const IP_RATE_FACTOR = 5;

function parseOrigins(raw: string | undefined, production: boolean, publicUrl: string): '*' | string[] {
  if (raw === undefined) return production ? [new URL(publicUrl).origin] : '*';
  if (raw.trim() === '*') return '*';
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError([`ALLOWED_ORIGINS: "${origin}" is not an origin like https://shop.example.com`]);
    }
  }
  return [...new Set([...origins, new URL(publicUrl).origin])];
}

/** Operator notifications (Telegram, e-mail) and their jobs. A channel is absent when not configured. */
export interface NotificationsConfig {
  /** Seconds a chat session may wait before operators are notified even though some are online. */
  waitingThresholdSeconds: number;
  /** Attempts per notification job (the first included) before it fails for good and is kept for inspection. */
  attempts: number;
  /** Milliseconds before the first retry; each further retry waits twice as long (BullMQ exponential backoff). */
  backoffMs: number;
  /** Seconds a worker's claim on a job lasts unrenewed: the job of a worker that died runs again after about this long. */
  jobLockSeconds: number;
  /**
   * Seconds between two sweeps of the waiting chat sessions, which re-add `long-wait` jobs whose enqueue was
   * lost (`WaitingSweep`): one sweep per period for the whole deployment, however many workers. 0 turns the
   * sweep off (its BullMQ job scheduler is removed by the next sweep job that runs).
   */
  sweepIntervalSeconds: number;
  telegram?: {
    /** Bot API token. Secret: never logged. */
    botToken: string;
    chatIds: string[];
    /** Bot API base URL, without a trailing slash. */
    apiUrl: string;
    /** A `429` asking to wait longer than this (seconds) gives up on Telegram for that notification: the e-mail carries it. */
    maxRetryAfterSeconds: number;
  };
  email?: {
    /** `smtp://` or `smtps://` URL, possibly with user and password. Secret: never logged. */
    smtpUrl: string;
    recipients: string[];
    /** The From mailbox. */
    from: string;
  };
}

/** Builds {@link NotificationsConfig}; a channel's variables must be set together. */
function notificationsConfig(v: z.infer<typeof schema>): NotificationsConfig {
  const pairs: Array<[string, unknown, string, unknown]> = [
    ['TELEGRAM_BOT_TOKEN', v.TELEGRAM_BOT_TOKEN, 'TELEGRAM_CHAT_IDS', v.TELEGRAM_CHAT_IDS],
    ['SMTP_URL', v.SMTP_URL, 'NOTIFY_EMAILS', v.NOTIFY_EMAILS],
  ];
  const problems = pairs.flatMap(([a, aValue, b, bValue]) =>
    aValue === undefined && bValue !== undefined
      ? [`${a}: required when ${b} is set`]
      : aValue !== undefined && bValue === undefined
        ? [`${b}: required when ${a} is set`]
        : [],
  );
  if (problems.length) throw new ConfigError(problems);
  return {
    waitingThresholdSeconds: v.NOTIFY_WAITING_THRESHOLD_SECONDS,
    attempts: v.NOTIFY_ATTEMPTS,
    backoffMs: v.NOTIFY_BACKOFF_MS,
    jobLockSeconds: v.NOTIFY_JOB_LOCK_SECONDS,
    sweepIntervalSeconds: v.NOTIFY_SWEEP_INTERVAL_SECONDS,
    telegram:
      v.TELEGRAM_BOT_TOKEN && v.TELEGRAM_CHAT_IDS
        ? {
            botToken: v.TELEGRAM_BOT_TOKEN,
            chatIds: v.TELEGRAM_CHAT_IDS,
            apiUrl: v.TELEGRAM_API_URL.replace(/\/+$/, ''),
            maxRetryAfterSeconds: v.TELEGRAM_MAX_RETRY_AFTER_SECONDS,
          }
        : undefined,
    email: v.SMTP_URL && v.NOTIFY_EMAILS ? { smtpUrl: v.SMTP_URL, recipients: v.NOTIFY_EMAILS, from: v.NOTIFY_EMAIL_FROM } : undefined,
  };
}

/** Raised by {@link loadConfig}; its message is one line per bad variable, naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates `env` (normally `process.env`) and returns the typed configuration.
 * Defaults are those in DESIGN.md "Running". In production the development JWT secret is refused.
 * @throws ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const blankless = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(blankless);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const v = parsed.data;
  const production = v.NODE_ENV === 'production';
  // Unset, it is where this machine's browser reaches the API: PORT's, not a port nothing listens on.
  const publicUrl = (v.PUBLIC_URL ?? `http://localhost:${v.PORT}`).replace(/\/$/, '');
  if (production && v.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
    throw new ConfigError(['JWT_SECRET: must be set to a private value in production']);
  }
  return {
    env: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    publicUrl,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    redisPrefix: v.REDIS_PREFIX,
    jwtSecret: v.JWT_SECRET,
    operatorTokenTtlSeconds: v.OPERATOR_TOKEN_TTL_SECONDS,
    visitorTokenTtlSeconds: v.VISITOR_TOKEN_TTL_SECONDS,
    queueFallbackWaitSeconds: v.QUEUE_FALLBACK_WAIT_SECONDS,
    queueEstimateSample: v.QUEUE_ESTIMATE_SAMPLE,
    presenceTtlSeconds: v.PRESENCE_TTL_SECONDS,
    logLevel: v.LOG_LEVEL,
    staticDir: path.resolve(v.STATIC_DIR),
    allowedOrigins: parseOrigins(v.ALLOWED_ORIGINS, production, publicUrl),
    trustProxy: v.TRUST_PROXY,
    rateLimits: {
      visitorsPerMinute: v.RATE_LIMIT_VISITORS_PER_MINUTE,
      sessionsPerMinute: v.RATE_LIMIT_SESSIONS_PER_MINUTE,
      messagesPerMinute: v.RATE_LIMIT_MESSAGES_PER_MINUTE,
    },
    wsMaxSubscriptionsPerSocket: v.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
    wsMaxSocketsPerIp: v.WS_MAX_SOCKETS_PER_IP,
    messageWriterConnections: v.MESSAGE_WRITER_CONNECTIONS,
    identity: { secret: v.IDENTITY_SECRET, maxAgeSeconds: v.IDENTITY_MAX_AGE_SECONDS },
    graphqlIntrospection: v.GRAPHQL_INTROSPECTION ?? !production,
    graphqlIde: v.GRAPHQL_IDE ?? !production,
    runWorkers: v.RUN_WORKERS,
    notifications: notificationsConfig(v),
  };
}
