import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { QueueVersions } from './queue-versions';

/** On real Redis, each test with a key of its own. */
describe('QueueVersions', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys: string[] = [];
  const versions = () => {
    const key = `test:${randomUUID()}:queue:version`;
    keys.push(key);
    return { key, versions: new QueueVersions(redis, key) };
  };
  afterAll(async () => {
    await redis.del(...keys);
    await redis.quit();
  });

  it('hands out increasing versions shared by every instance, and reads the last one taken', async () => {
    const { key } = versions();
    const [a, b] = [new QueueVersions(redis, key), new QueueVersions(redis, key)];
    const first = await a.next();
    const second = await b.next();
    expect(second).toBe(first + 1);
    expect(await a.current()).toBe(second);
    expect(await b.current()).toBe(second);
    expect(Number.isSafeInteger(second)).toBe(true);
  });

  it('starts above every version taken before when Redis lost the counter (restarted empty)', async () => {
    const { key, versions: queue } = versions();
    let before = 0;
    for (let i = 0; i < 1000; i++) before = await queue.next();
    await redis.del(key); // what a restart of Redis without persistence leaves
    const afterRead = await queue.current();
    expect(afterRead).toBeGreaterThan(before);
    expect(await queue.next()).toBe(afterRead + 1);
    await redis.del(key);
    expect(await queue.next()).toBeGreaterThan(afterRead + 1);
  });
});
