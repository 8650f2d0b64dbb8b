import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startCuttableProxy } from '../../test/support/tcp-proxy';
import { withTimeout } from '../../test/support/wait-for';
import type { RequestContext } from '../auth/principal';
import type { AppConfig } from '../config/app-config';
import { createRateLimitRedisClient, REDIS_COMMAND_TIMEOUT_MS } from '../realtime/redis.providers';
import { RateLimitService } from './rate-limit.service';

/** The per-visitor and per-IP limits together, on the real Redis. */
describe('RateLimitService', () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  let service: RateLimitService;
  let config: AppConfig;

  beforeAll(async () => {
    await new Promise<void>((ready) => (redis.status === 'ready' ? ready() : redis.once('ready', () => ready())));
    // 5 messages a minute per visitor, so 25 per IP (IP_RATE_FACTOR).
    config = {
      redisPrefix: `parley-test-limits-${randomUUID()}`,
      rateLimits: { visitorsPerMinute: 5, sessionsPerMinute: 5, messagesPerMinute: 5 },
    } as AppConfig;
    service = new RateLimitService(redis, config);
  });
  afterAll(async () => {
    service.onModuleDestroy();
    await redis.quit();
  });

  const visitor = (ip: string): RequestContext => ({ principal: { kind: 'visitor', visitorId: randomUUID() }, ip }) as RequestContext;
  const send = (context: RequestContext, limits = service) =>
    Promise.resolve(limits.consume('sendMessage', context)).then(
      () => 'admitted',
      (error: { code?: string }) => error.code,
    );

  /** Five colleagues behind `ip` send their five messages each: the IP's 25 are used up. */
  const officeUsesUp = async (ip: string) => {
    for (let i = 0; i < 5; i++) {
      const colleague = visitor(ip);
      expect(await Promise.all(Array.from({ length: 5 }, () => send(colleague)))).toEqual(Array(5).fill('admitted'));
    }
  };

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
    await officeUsesUp(ip);
    const latecomer = visitor(ip);
    for (let i = 0; i < 5; i++) expect(await send(latecomer)).toBe('RATE_LIMITED'); // by the IP, retried
    await redis.del(`${config.redisPrefix}:rl:sendMessage:ip:${ip}`); // the IP's window ends
    // The refused retries spent none of the latecomer's own five.
    for (let i = 0; i < 5; i++) expect(await send(latecomer)).toBe('admitted');
    expect(await send(latecomer)).toBe('RATE_LIMITED');
  });

  it("gives a chat's start back when the IP's message limit refuses the first message it carries", async () => {
    const ip = '203.0.113.12';
    await officeUsesUp(ip);
    const latecomer = visitor(ip);
    const start = () =>
      Promise.resolve(service.consume(['startSession', 'sendMessage'], latecomer)).then(
        () => 'admitted',
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      );
    for (let i = 0; i < 5; i++) expect(await start()).toMatch(/^RATE_LIMITED: Too many messages/);
    await redis.del(`${config.redisPrefix}:rl:sendMessage:ip:${ip}`); // the IP's message window ends
    for (let i = 0; i < 5; i++) expect(await start()).toBe('admitted'); // none of its five starts was used up
    expect(await start()).toMatch(/^RATE_LIMITED/);
  });

  it("gives the office's starts back too when a start's first message is refused", async () => {
    const ip = '203.0.113.13';
    await officeUsesUp(ip);
    const latecomer = visitor(ip);
    for (let i = 0; i < 5; i++) await expect(service.consume(['startSession', 'sendMessage'], latecomer)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // The office's 25 starts are all still there: five more visitors start five chats each, without a message.
    const starts = Array.from({ length: 5 }, () => visitor(ip)).flatMap((v) =>
      Array.from({ length: 5 }, () => Promise.resolve(service.consume('startSession', v)).then(() => 'admitted', (e: { code?: string }) => e.code)),
    );
    expect(await Promise.all(starts)).toEqual(Array(25).fill('admitted'));
  });

  it("admits through each instance's own count when Redis hangs, once the commands to it time out", async () => {
    const proxy = await startCuttableProxy(Number(new URL(redisUrl).port || 6379));
    const hanging = createRateLimitRedisClient(`redis://127.0.0.1:${proxy.port}`);
    const limits = new RateLimitService(hanging, config);
    try {
      await hanging.connect();
      proxy.hang(); // the connection stays open; nothing comes back
      // Two requests to Redis (the visitor's point, then its IP's), each given up on after the command timeout.
      const sent = send(visitor('203.0.113.10'), limits);
      expect(await withTimeout(sent, 2 * REDIS_COMMAND_TIMEOUT_MS + 1000, 'a message over a hung Redis')).toBe('admitted');
    } finally {
      limits.onModuleDestroy();
      hanging.disconnect();
      await proxy.close();
    }
  });

  it('says in one line when it falls back to counting in memory, and in one when Redis counts again, not once per message', async () => {
    const proxy = await startCuttableProxy(Number(new URL(redisUrl).port || 6379));
    const client = createRateLimitRedisClient(`redis://127.0.0.1:${proxy.port}`);
    const limits = new RateLimitService(client, config);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const lines = () => [...warn.mock.calls, ...log.mock.calls].map((call) => String(call[0]));
    try {
      await client.connect();
      expect(await send(visitor('203.0.113.20'), limits)).toBe('admitted'); // counted in Redis
      expect(lines()).toEqual([]);

      proxy.hang();
      const during = Array.from({ length: 4 }, (_, i) => visitor(`203.0.113.${21 + i}`)).flatMap((v) => [send(v, limits), send(v, limits)]);
      expect(await withTimeout(Promise.all(during), 2 * REDIS_COMMAND_TIMEOUT_MS + 1000, 'messages over a hung Redis')).toEqual(Array(8).fill('admitted'));
      expect(lines()).toEqual([
        'Rate limits: Redis (REDIS_URL) is unreachable or not answering (Command timed out); each API instance counts in its own memory until Redis counts again, so a limit holds per instance',
      ]);

      proxy.resume();
      for (let i = 0; i < 3; i++) expect(await send(visitor(`203.0.113.${30 + i}`), limits)).toBe('admitted');
      expect(lines().slice(1)).toEqual(['Rate limits are counted in Redis again, shared by every API instance']);
    } finally {
      warn.mockRestore();
      log.mockRestore();
      limits.onModuleDestroy();
      client.disconnect();
      await proxy.close();
    }
  });
});
