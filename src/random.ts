/**
 * Seeded randomness shared by every stage: each random choice in leadscore takes a seed, so the
 * same inputs and seed give the same splits, models and scores.
 */

/**
 * mulberry32: a tiny, fast 32-bit PRNG; returns a function yielding floats in [0, 1), starting `skip` draws into
 * the stream of `seed`.
 */
export function mulberry32(seed: number, skip = 0): () => number {
  // each draw only adds 0x6d2b79f5 to the state (mod 2^32), so skipping k draws adds k times it: one multiply, done
  // mod 2^32 (Math.imul), which stays exact for skips past 2^32 (any integer skip below 2^53)
  let a = ((seed >>> 0) + Math.imul(skip % 4294967296, 0x6d2b79f5)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A string (e.g. a lead id) hashed with a seed to [0, 1): FNV-1a then murmur3's finalizer. Stable
 * across runs and machines, so "which half / which split is this lead in" never depends on row order.
 */
export function hashToUnit(id: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** A seed derived from `seed` for the k-th of several related random choices (ensemble members, folds). */
export function derivedSeed(seed: number, k: number): number {
  return (seed + k * 7919) >>> 0;
}
