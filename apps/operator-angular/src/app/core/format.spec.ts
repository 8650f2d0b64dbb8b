import { formatElapsed, presenceLabel, visitorLabel } from './format';

describe('visitorLabel', () => {
  it('uses the name the visitor gave', () => {
    expect(visitorLabel({ id: 'a1b2c3d4-0000-4000-8000-000000000000', name: ' Ada ' })).toBe('Ada');
  });
  it('falls back to "Visitor #" and a short id', () => {
    expect(visitorLabel({ id: 'a1b2c3d4-0000-4000-8000-000000000000', name: null })).toBe('Visitor #A1B2C3');
    expect(visitorLabel({ id: 'a1b2c3d4-0000-4000-8000-000000000000', name: '   ' })).toBe('Visitor #A1B2C3');
  });
});

describe('formatElapsed', () => {
  it('shows minutes and seconds, then hours', () => {
    expect(formatElapsed(7_000)).toBe('0:07');
    expect(formatElapsed(185_000)).toBe('3:05');
    expect(formatElapsed(3_730_000)).toBe('1:02:10');
    expect(formatElapsed(-5_000)).toBe('0:00');
  });
});

describe('presenceLabel', () => {
  it('reads unknown presence as "Unknown"', () => {
    expect(presenceLabel(null)).toBe('Unknown');
    expect(presenceLabel('OFFLINE')).toBe('Offline');
  });
});
