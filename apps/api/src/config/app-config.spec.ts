import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/parley');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.port).toBe(3000);
    expect(config.graphqlIntrospection).toBe(true);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
  });

  it('reads TRUST_PROXY as true, false or a number of proxy hops (1 is one hop, not "trust everything"), and says what it takes', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(0);
    for (const bad of ['yes', '-1', '1.5', 'loopback']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(
        'Invalid configuration: TRUST_PROXY: must be true, false or the number of proxies in front of the API (a whole number: 1 behind one proxy)',
      );
    }
  });

  it('refuses the development secret in production and turns introspection off there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(config.graphqlIntrospection).toBe(false);
    expect(config.graphqlIde).toBe(false);
    expect(config.jwtSecret).not.toBe(DEVELOPMENT_JWT_SECRET);
  });

  it('caps the message statement at 24 PostgreSQL connections unless MESSAGE_WRITER_CONNECTIONS says otherwise', () => {
    expect(loadConfig({}).messageWriterConnections).toBe(24);
    expect(loadConfig({ MESSAGE_WRITER_CONNECTIONS: '40' }).messageWriterConnections).toBe(40);
    expect(() => loadConfig({ MESSAGE_WRITER_CONNECTIONS: '0' })).toThrow(/MESSAGE_WRITER_CONNECTIONS/);
    expect(() => loadConfig({ MESSAGE_WRITER_CONNECTIONS: 'many' })).toThrow(/MESSAGE_WRITER_CONNECTIONS/);
  });

  it('takes PUBLIC_URL, unset, from PORT: the address this machine reaches the API at', () => {
    expect(loadConfig({}).publicUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3950' }).publicUrl).toBe('http://localhost:3950');
    expect(loadConfig({ PORT: '3950', PUBLIC_URL: 'https://chat.example.com/' }).publicUrl).toBe('https://chat.example.com');
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), PORT: '8080' };
    expect(loadConfig(production).allowedOrigins).toEqual(['http://localhost:8080']);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('allows any origin outside production and only PUBLIC_URL in production unless ALLOWED_ORIGINS says more', () => {
    expect(loadConfig({}).allowedOrigins).toBe('*');
    const secret = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), PUBLIC_URL: 'https://chat.example.com' };
    expect(loadConfig(secret).allowedOrigins).toEqual(['https://chat.example.com']);
    expect(loadConfig({ ...secret, ALLOWED_ORIGINS: 'https://shop.example.com, http://localhost:8080' }).allowedOrigins).toEqual([
      'https://shop.example.com',
      'http://localhost:8080',
      'https://chat.example.com',
    ]);
  });

  it('refuses an allowed origin that is not an origin', () => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://shop.example.com/path' })).toThrow(/ALLOWED_ORIGINS: "https:\/\/shop.example.com\/path"/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'shop.example.com' })).toThrow(/ALLOWED_ORIGINS/);
  });
});

describe('loadConfig: notifications', () => {
  const TOKEN = '123456:ABC-def_ghi';

  it('runs workers in the API by default, with no channel, a 3-minute threshold and capped retries', () => {
    const config = loadConfig({});
    expect(config.runWorkers).toBe(true);
    expect(config.notifications).toEqual({ waitingThresholdSeconds: 180, attempts: 6, backoffMs: 10_000, jobLockSeconds: 30, sweepIntervalSeconds: 60 });
    expect(loadConfig({ RUN_WORKERS: 'false' }).runWorkers).toBe(false);
    expect(loadConfig({ NOTIFY_SWEEP_INTERVAL_SECONDS: '0' }).notifications.sweepIntervalSeconds).toBe(0); // off
  });

  it('reads Telegram and e-mail settings, lists split on commas', () => {
    const { notifications } = loadConfig({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_IDS: '-1001234567890, 42,@support_team',
      TELEGRAM_API_URL: 'http://127.0.0.1:9999/',
      SMTP_URL: 'smtp://user:p%40ss@mail.example.com:587',
      NOTIFY_EMAILS: 'ann@example.com, bob@example.com',
      NOTIFY_EMAIL_FROM: '"Parley alerts" <alerts@example.com>',
    });
    expect(notifications.telegram).toEqual({
      botToken: TOKEN,
      chatIds: ['-1001234567890', '42', '@support_team'],
      apiUrl: 'http://127.0.0.1:9999',
      maxRetryAfterSeconds: 300,
    });
    expect(notifications.email).toEqual({
      smtpUrl: 'smtp://user:p%40ss@mail.example.com:587',
      recipients: ['ann@example.com', 'bob@example.com'],
      from: '"Parley alerts" <alerts@example.com>',
    });
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_IDS: '1' }).notifications.telegram?.apiUrl).toBe('https://api.telegram.org');
  });

  it('wants the variables of a channel together, and names the missing one', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN })).toThrow(/TELEGRAM_CHAT_IDS: required when TELEGRAM_BOT_TOKEN is set/);
    expect(() => loadConfig({ TELEGRAM_CHAT_IDS: '1' })).toThrow(/TELEGRAM_BOT_TOKEN: required when TELEGRAM_CHAT_IDS is set/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://localhost' })).toThrow(/NOTIFY_EMAILS: required when SMTP_URL is set/);
    expect(() => loadConfig({ NOTIFY_EMAILS: 'a@example.com' })).toThrow(/SMTP_URL: required when NOTIFY_EMAILS is set/);
  });

  it('refuses malformed values without echoing a secret', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).message;
      }
      throw new Error('accepted');
    };
    const tokenError = bad({ TELEGRAM_BOT_TOKEN: 'not a token secret-value', TELEGRAM_CHAT_IDS: '1' });
    expect(tokenError).toMatch(/TELEGRAM_BOT_TOKEN: must be a bot token/);
    expect(tokenError).not.toContain('secret-value');
    expect(bad({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_IDS: '12, chat' })).toMatch(/TELEGRAM_CHAT_IDS/);
    expect(bad({ SMTP_URL: 'http://mail.example.com', NOTIFY_EMAILS: 'a@example.com' })).toMatch(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(bad({ SMTP_URL: 'smtp://localhost', NOTIFY_EMAILS: 'a@example.com, nope' })).toMatch(/NOTIFY_EMAILS/);
    expect(bad({ NOTIFY_EMAIL_FROM: 'a@example.com, b@example.com' })).toMatch(/NOTIFY_EMAIL_FROM: must be one address/);
    expect(bad({ NOTIFY_ATTEMPTS: '0' })).toMatch(/NOTIFY_ATTEMPTS/);
    expect(bad({ NOTIFY_SWEEP_INTERVAL_SECONDS: '-1' })).toMatch(/NOTIFY_SWEEP_INTERVAL_SECONDS/);
    expect(bad({ NOTIFY_SWEEP_INTERVAL_SECONDS: '1.5' })).toMatch(/NOTIFY_SWEEP_INTERVAL_SECONDS/);
    expect(bad({ NOTIFY_SWEEP_INTERVAL_SECONDS: '86401' })).toMatch(/NOTIFY_SWEEP_INTERVAL_SECONDS/); // past a day (and Node's longest timer): refused
  });
});
