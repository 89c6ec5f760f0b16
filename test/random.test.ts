import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/random.ts';

const draws = (next: () => number, k: number) => Array.from({ length: k }, next);

describe('mulberry32 with a skip', () => {
  it('continues the stream exactly where calling the plain generator `skip` times leaves it', () => {
    for (const seed of [0, 1, 42, 0xffffffff, -7]) {
      for (const skip of [0, 1, 2, 17, 1000, 375_001]) {
        const plain = mulberry32(seed);
        for (let k = 0; k < skip; k++) plain();
        expect(draws(mulberry32(seed, skip), 5)).toEqual(draws(plain, 5));
      }
    }
  });

  it('lands on the state seed + skip * 0x6d2b79f5 mod 2^32 for skips past 2^32', () => {
    // a bootstrap replicate b of n leads starts b * n draws in; at 1M leads replicate 4,295 is already past 2^32
    const n = 1_000_000;
    for (const seed of [3, 0x9e3779b9]) {
      for (const skip of [4_295 * n, 499 * 9_000_001, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12_345, 2 ** 53 - 1]) {
        expect(skip).toBeGreaterThanOrEqual(2 ** 32);
        const state = Number((BigInt(seed) + BigInt(skip) * 0x6d2b79f5n) % 2n ** 32n);
        // mulberry32(state) draws first from state + 0x6d2b79f5: the draw after `skip` draws of the seed's stream
        expect(draws(mulberry32(seed, skip), 3)).toEqual(draws(mulberry32(state), 3));
      }
    }
    // the period is 2^32: skipping a whole period changes nothing
    expect(draws(mulberry32(11, 2 ** 32), 3)).toEqual(draws(mulberry32(11), 3));
  });
});
