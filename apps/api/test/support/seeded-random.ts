/**
 * A seeded pseudo-random generator (mulberry32), so a fault test that cuts "at random moments" cuts at
 * the same moments again when run with the same seed. The seed comes from `FAULT_SEED` when set.
 */
export function seededRandom(defaultSeed: number): { seed: number; next: () => number; below: (n: number) => number } {
  const seed = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : defaultSeed;
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, below: (n) => Math.floor(next() * n) };
}
