import { Turns } from './turns';

describe('Turns', () => {
  it('deals items to the turns in the order they are added and gives each turn once per round', () => {
    const turns = new Turns<string>(3);
    for (const item of ['a', 'b', 'c', 'd', 'e']) turns.add(item);
    const round = [turns.next(), turns.next(), turns.next()].map(({ items, index }) => [index, [...items]]);
    expect(round).toEqual([
      [0, ['a', 'd']],
      [1, ['b', 'e']],
      [2, ['c']],
    ]);
    expect(turns.next().index).toBe(0); // the next round starts over
  });

  it('forgets a removed item, and keeps at least one turn', () => {
    const turns = new Turns<string>(0);
    expect(turns.count).toBe(1);
    turns.add('a');
    turns.add('b');
    turns.remove('a');
    turns.remove('not there');
    expect([...turns.next().items]).toEqual(['b']);
  });
});
