/**
 * Items dealt to the `count` turns of a round in the order they are added, so that work done for each
 * item once per round (a keep-alive ping, a presence refresh) is spread over the round, one turn per
 * timer tick, instead of done for all of them in one burst (bench/NOTES.md §20). An item stays on its turn
 * until it is removed.
 */
export class Turns<T> {
  private readonly turns: Array<Set<T>>;
  private nextJoin = 0;
  private current = 0;

  /** @param count turns per round (at least 1). */
  constructor(count: number) {
    this.turns = Array.from({ length: Math.max(1, count) }, () => new Set<T>());
  }

  /** How many turns a round has. */
  get count(): number {
    return this.turns.length;
  }

  /** Deals `item` to the next turn. */
  add(item: T): void {
    this.turns[this.nextJoin].add(item);
    this.nextJoin = (this.nextJoin + 1) % this.turns.length;
  }

  /** Takes `item` off its turn (O(turns); items leave far less often than turns come). */
  remove(item: T): void {
    for (const turn of this.turns) if (turn.delete(item)) return;
  }

  /**
   * The items whose turn has come, and the turn's index in the round (0 … count − 1); the next call gives the
   * next turn. Items added or removed meanwhile show in the set.
   */
  next(): { items: ReadonlySet<T>; index: number } {
    const index = this.current;
    this.current = (index + 1) % this.turns.length;
    return { items: this.turns[index], index };
  }
}
