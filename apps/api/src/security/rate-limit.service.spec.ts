import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../auth/principal';
import type { AppConfig } from '../config/app-config';
import { RateLimitService } from './rate-limit.service';

/** The per-visitor and per-IP limits together, on the real Redis. */
describe('RateLimitService', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  let service: RateLimitService;
  let redisPrefix: string;

  beforeAll(async () => {
    await new Promise<void>((ready) => (redis.status === 'ready' ? ready() : redis.once('ready', () => ready())));
    // 5 messages a minute per visitor, so 25 per IP (IP_RATE_FACTOR).
    redisPrefix = `parley-test-limits-${randomUUID()}`;
    const config = {
      redisPrefix,
      rateLimits: { visitorsPerMinute: 5, sessionsPerMinute: 5, messagesPerMinute: 5 },
    } as AppConfig;
    service = new RateLimitService(redis, config);
  });
  afterAll(async () => {
    service.onModuleDestroy();
    await redis.quit();
  });

  const visitor = (ip: string): RequestContext => ({ principal: { kind: 'visitor', visitorId: randomUUID() }, ip }) as RequestContext;
  const send = (context: RequestContext) =>
    Promise.resolve(service.consume('sendMessage', context)).then(
      () => 'admitted',
      (error: { code?: string }) => error.code,
    );

  it("does not spend the IP's budget on a visitor over its own limit", async () => {
    const spammer = visitor('203.0.113.7');
    const sent = await Promise.all(Array.from({ length: 30 }, () => send(spammer)));
    expect(sent.filter((s) => s === 'admitted')).toHaveLength(5);
    expect(sent.filter((s) => s === 'RATE_LIMITED')).toHaveLength(25);
    // Someone else behind the same IP still has 20 of its 25.
    const colleague = visitor('203.0.113.7');
    expect(await Promise.all(Array.from({ length: 5 }, () => send(colleague)))).toEqual(Array(5).fill('admitted'));
  });

  it("gives a visitor's point back when the IP's limit refuses the message", async () => {
    const ip = '203.0.113.9';
    // Five colleagues use up the IP's 25.
    for (let i = 0; i < 5; i++) {
      const colleague = visitor(ip);
      expect(await Promise.all(Array.from({ length: 5 }, () => send(colleague)))).toEqual(Array(5).fill('admitted'));
    }
    const latecomer = visitor(ip);
    for (let i = 0; i < 5; i++) expect(await send(latecomer)).toBe('RATE_LIMITED'); // by the IP, retried
    await redis.del(`${redisPrefix}:rl:sendMessage:ip:${ip}`); // the IP's window ends
    // The refused retries spent none of the latecomer's own five.
    for (let i = 0; i < 5; i++) expect(await send(latecomer)).toBe('admitted');
    expect(await send(latecomer)).toBe('RATE_LIMITED');
  });
});
