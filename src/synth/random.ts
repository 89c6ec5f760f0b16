/**
 * Seeded randomness for the generator. Every lead draws from its own streams, seeded from
 * (seed, lead index, stream), so the output does not depend on chunk size and any prefix of
 * leads can be regenerated on its own (the intercept calibration relies on that).
 */

import { mulberry32 } from '../random.ts';

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** Mix integers into one well-scrambled 32-bit seed (murmur3 finalizer over a running hash). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // fold in both 32-bit halves so seeds above 2^32 still matter
    for (const word of [p >>> 0, Math.floor(p / 4294967296) >>> 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

// one PRNG for the whole project (src/random.ts); re-exported for the generator's modules
export { mulberry32 };

/** The independent random streams one lead uses. */
export const STREAM = { latent: 1, activities: 2, outcome: 3 } as const;

/** The PRNG for one lead and one stream. */
export function leadRng(seed: number, leadIndex: number, stream: number): Rng {
  return mulberry32(mixSeed(seed, leadIndex, stream));
}

/** Standard normal draw (Box-Muller; one value per call keeps streams simple). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Lognormal draw with the given median and log-scale sigma. */
export function lognormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng));
}

/** Exponential draw with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng());
}

/** Poisson draw (inversion for small means, normal approximation for large ones). */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** True with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

/** A uniformly chosen element. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** An element chosen by weight from [item, weight] pairs. */
export function pickWeighted<T>(rng: Rng, table: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let u = rng() * total;
  for (const [item, w] of table) {
    u -= w;
    if (u < 0) return item;
  }
  return table[table.length - 1][0];
}

/** Uniform float in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}
