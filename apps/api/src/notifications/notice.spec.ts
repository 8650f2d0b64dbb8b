import { consoleSessionUrl, formatDuration } from './notice';

describe('notice helpers', () => {
  it('formats waiting times for people', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45.9)).toBe('45 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(7800)).toBe('2 h 10 min');
  });

  it('links to the chat session in the console', () => {
    expect(consoleSessionUrl('https://chat.example.com', 'c0ffee00-0000-4000-8000-000000000000')).toBe(
      'https://chat.example.com/console/chats/c0ffee00-0000-4000-8000-000000000000',
    );
  });
});
