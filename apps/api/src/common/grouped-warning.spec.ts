import { Logger } from '@nestjs/common';
import { Store, storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { GroupedWarning } from './grouped-warning';

const WINDOW_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GroupedWarning', () => {
  const logger = new Logger('test');
  let lines: string[];
  /** The request whose context (nestjs-pino's store) each line was written in, by the `req.id` its logger carries. */
  let contexts: Array<string | undefined>;
  let grouped: GroupedWarning;
  beforeEach(() => {
    lines = [];
    contexts = [];
    jest.spyOn(logger, 'warn').mockImplementation((line: string) => {
      lines.push(line);
      contexts.push((storage.getStore()?.logger.bindings() as { req?: { id: string } } | undefined)?.req?.id);
    });
    grouped = new GroupedWarning(logger, WINDOW_MS, (detail) => `first: ${detail}`, (count) => `${count} more`);
  });
  afterEach(() => grouped.flush());

  /** Runs `report` inside request `id`'s context, as nestjs-pino's middleware runs a request's handlers. */
  const inRequest = (id: string, report: () => void) => storage.run(new Store(pino({ enabled: false }).child({ req: { id } })), report);

  it('writes the first at once and counts those after it in one line when the window ends', async () => {
    grouped.add('a');
    expect(lines).toEqual(['first: a']);
    grouped.add('b');
    grouped.add('c');
    expect(lines).toEqual(['first: a']);
    await sleep(WINDOW_MS * 1.5);
    expect(lines).toEqual(['first: a', '2 more']);
  });

  it('makes one line per window while the failure lasts, and writes the next first at once after a quiet window', async () => {
    grouped.add('a');
    grouped.add('b');
    await sleep(WINDOW_MS * 1.3);
    grouped.add('c'); // within the window the count opened
    await sleep(WINDOW_MS);
    expect(lines).toEqual(['first: a', '1 more', '1 more']);
    await sleep(WINDOW_MS * 1.5); // a window with nothing in it closes
    grouped.add('d');
    expect(lines.at(-1)).toBe('first: d');
  });

  it('writes the running count when flushed, and nothing when there is none', () => {
    grouped.add('a');
    grouped.add('b');
    grouped.flush();
    expect(lines).toEqual(['first: a', '1 more']);
    grouped.flush();
    grouped.add('c');
    expect(lines).toEqual(['first: a', '1 more', 'first: c']);
  });

  it("writes the first in its request's context and the count of many requests in none", async () => {
    inRequest('req-1', () => grouped.add('a'));
    inRequest('req-2', () => grouped.add('b'));
    await sleep(WINDOW_MS * 1.3);
    inRequest('req-3', () => grouped.add('c')); // counted in the window the first count opened
    await sleep(WINDOW_MS);
    inRequest('req-4', () => grouped.add('d')); // counted in the window the second count opened
    inRequest('req-5', () => grouped.flush());
    expect(lines).toEqual(['first: a', '1 more', '1 more', '1 more']);
    expect(contexts).toEqual(['req-1', undefined, undefined, undefined]);
  });

  it('names each cause of a window with its count, in the order they came, and forgets them with the window', async () => {
    grouped.add('terminated', 'terminating connection due to administrator command, 57P01');
    grouped.add('terminated', 'terminating connection due to administrator command, 57P01');
    grouped.add('refused', 'connect ECONNREFUSED 127.0.0.1:5432, ECONNREFUSED');
    grouped.add('terminated', 'terminating connection due to administrator command, 57P01');
    grouped.add('refused', 'connect ECONNREFUSED 127.0.0.1:5432, ECONNREFUSED');
    await sleep(WINDOW_MS * 1.3);
    grouped.add('refused', 'connect ECONNREFUSED 127.0.0.1:5432, ECONNREFUSED');
    grouped.flush();
    expect(lines).toEqual([
      'first: terminated',
      '4 more: 2 × terminating connection due to administrator command, 57P01; 2 × connect ECONNREFUSED 127.0.0.1:5432, ECONNREFUSED',
      '1 more: 1 × connect ECONNREFUSED 127.0.0.1:5432, ECONNREFUSED',
    ]);
  });
});
