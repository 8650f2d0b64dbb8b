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

  it('refuses the development secret in production and turns introspection off there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(config.graphqlIntrospection).toBe(false);
    expect(config.graphqlIde).toBe(false);
    expect(config.jwtSecret).not.toBe(DEVELOPMENT_JWT_SECRET);
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
