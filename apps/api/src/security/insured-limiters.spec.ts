import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { PrivateRedis, startPrivateRedis } from '../../test/support/private-services';
import { eventually } from '../../test/support/wait-for';
import { createRateLimitRedisClient } from '../realtime/redis.providers';
import { InsuredLimiters } from './insured-limiters';

/** The line telling that the limits count in memory, for why Redis did not count. */
const inMemory = (why: string) =>
  `Rate limits: Redis (REDIS_URL) ${why}; each API instance counts in its own memory until Redis counts again, so a limit holds per instance`;
const IN_REDIS_AGAIN = 'Rate limits are counted in Redis again, shared by every API instance';

/** The fallback's line names what Redis did: an error it answered, or a connection it cannot be reached on. */
describe('InsuredLimiters', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let admin: Redis;
  const logger = new Logger('test');
  let lines: string[];

  beforeEach(async () => {
    redis = await startPrivateRedis(); // each test its own: a test failing half-way leaves the next nothing
    client = createRateLimitRedisClient(redis.url);
    admin = createRateLimitRedisClient(redis.url);
    await Promise.all([client.connect(), admin.connect()]);
    lines = [];
    const write = (line: string) => void lines.push(line);
    jest.spyOn(logger, 'warn').mockImplementation(write);
    jest.spyOn(logger, 'log').mockImplementation(write);
  });
  afterEach(async () => {
    client.disconnect();
    admin.disconnect();
    await redis.dispose();
  });

  /** A limiter of 5 points a minute, with keys of its own, insured in memory, writing its lines to {@link lines}. */
  const limiter = () => new InsuredLimiters(logger).create({ storeClient: client, keyPrefix: `rl-${randomUUID()}`, points: 5, duration: 60, rejectIfRedisNotReady: true });

  it.each([
    ['a read-only replica', ['REPLICAOF', '127.0.0.1', '1'], ['REPLICAOF', 'NO', 'ONE'], /^READONLY You can't write against a read only replica\./],
    ['maxmemory reached', ['CONFIG', 'SET', 'maxmemory', '1'], ['CONFIG', 'SET', 'maxmemory', '0'], /^OOM command not allowed when used memory > 'maxmemory'\./],
  ])('names the error Redis answers (%s), and does not call it unreachable', async (_, fail: string[], heal: string[], error: RegExp) => {
    const limits = limiter();
    await limits.consume('a');
    expect(lines).toEqual([]);

    await admin.call(fail[0], ...fail.slice(1));
    expect((await limits.consume('a')).consumedPoints).toBe(1); // the memory's first point of the key
    await limits.consume('b');
    expect(lines).toHaveLength(1);
    const [, reason] = /^Rate limits: Redis \(REDIS_URL\) answers with an error \((.*)\); each API instance/.exec(lines[0]) ?? [];
    expect(reason).toMatch(error);
    expect(lines[0]).toBe(inMemory(`answers with an error (${reason})`));

    await admin.call(heal[0], ...heal.slice(1));
    await limits.consume('a');
    expect(lines.slice(1)).toEqual([IN_REDIS_AGAIN]);
  });

  it('says Redis is unreachable when the connection is closed, with the reason', async () => {
    const limits = limiter();
    await limits.consume('a');
    await redis.kill();
    await eventually(() => client.status !== 'ready', 'the client to see the connection closed');
    await limits.consume('a');
    expect(lines).toEqual([inMemory('is unreachable or not answering (Redis connection is not ready)')]);

    await redis.start();
    await eventually(() => client.status === 'ready', 'the client to reconnect');
    await limits.consume('a');
    expect(lines.slice(1)).toEqual([IN_REDIS_AGAIN]);
  });
});
