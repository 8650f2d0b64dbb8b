import path from 'node:path';
import { z } from 'zod';

/** The development JWT secret; refused when `NODE_ENV=production`. */
export const DEVELOPMENT_JWT_SECRET = 'parley-development-secret-change-me-0000';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
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
  GRAPHQL_INTROSPECTION: bool.optional(),
  GRAPHQL_IDE: bool.optional(),
});

/**
 * The whole runtime configuration, read once at boot from the environment by {@link loadConfig}.
 * Durations carry their unit in the name (`…_SECONDS`).
 */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Base URL the API is reached at by people (used in links, e.g. in notifications). */
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
  if (production && v.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
    throw new ConfigError(['JWT_SECRET: must be set to a private value in production']);
  }
  return {
    env: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    publicUrl: v.PUBLIC_URL.replace(/\/$/, ''),
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
    graphqlIntrospection: v.GRAPHQL_INTROSPECTION ?? !production,
    graphqlIde: v.GRAPHQL_IDE ?? !production,
  };
}
