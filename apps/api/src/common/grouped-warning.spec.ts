import { Logger } from '@nestjs/common';
import { GroupedWarning } from './grouped-warning';

const WINDOW_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GroupedWarning', () => {
  const logger = new Logger('test');
  let lines: string[];
  let grouped: GroupedWarning;
  beforeEach(() => {
    lines = [];
    jest.spyOn(logger, 'warn').mockImplementation((line: string) => void lines.push(line));
    grouped = new GroupedWarning(logger, WINDOW_MS, (detail) => `first: ${detail}`, (count) => `${count} more`);
  });
  afterEach(() => grouped.flush());

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
});
