import { Logger } from '@nestjs/common';
import { presenceReadError } from '../presence/unknown-presence';
import { UnknownRead } from './unknown-read';

const WINDOW_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What ioredis rejects a command with when Redis has not answered within its `commandTimeout`. */
const timedOut = () => new Error('Command timed out');

describe('UnknownRead', () => {
  const logger = new Logger('test');
  let lines: string[];
  let unknown: UnknownRead;
  beforeEach(() => {
    lines = [];
    jest.spyOn(logger, 'warn').mockImplementation((line: string) => void lines.push(line));
    unknown = new UnknownRead(logger, 'Presence', WINDOW_MS);
  });
  afterEach(() => unknown.flush());

  it("answers the read's answer, and writes nothing", async () => {
    expect(await unknown.or(Promise.resolve(3), 1, 'assumed one')).toBe(3);
    expect(lines).toEqual([]);
  });

  it('answers the fallback when Redis did not answer in time, with one line naming why and what was answered', async () => {
    expect(await unknown.or(Promise.reject(presenceReadError(timedOut())), 'OFFLINE', 'answered OFFLINE')).toBe('OFFLINE');
    expect(lines).toEqual(['Presence unknown: Redis did not answer a presence read within 2 s; answered OFFLINE']);
  });

  it('answers the fallback when Redis is unreachable too', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(await unknown.or(Promise.reject(refused), 0, 'notified')).toBe(0);
    expect(lines).toEqual(['Presence unknown: connect ECONNREFUSED 127.0.0.1:6379, ECONNREFUSED; notified']);
  });

  it('counts the failures after the first in one line per window, by reason and consequence', async () => {
    await unknown.or(Promise.reject(presenceReadError(timedOut())), 'OFFLINE', 'answered OFFLINE');
    await unknown.or(Promise.reject(presenceReadError(timedOut())), 'OFFLINE', 'answered OFFLINE');
    await unknown.or(Promise.reject(presenceReadError(timedOut())), 1, 'assumed one');
    await unknown.or(Promise.reject(presenceReadError(timedOut())), 'OFFLINE', 'answered OFFLINE');
    expect(lines).toHaveLength(1);
    await sleep(WINDOW_MS * 1.5);
    expect(lines[1]).toBe(
      'Presence unknown for 3 more read(s) within 0.2 s: 2 × Redis did not answer a presence read within 2 s; answered OFFLINE; ' +
        '1 × Redis did not answer a presence read within 2 s; assumed one',
    );
  });

  it('fails with any other error, assuming nothing and writing nothing', async () => {
    const bug = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(unknown.or(Promise.reject(bug), 'OFFLINE', 'answered OFFLINE')).rejects.toBe(bug);
    expect(lines).toEqual([]);
  });
});
