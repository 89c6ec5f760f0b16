/** Seeded randomness: every random choice in the models takes a seed so runs are reproducible. */

import { mulberry32 } from '../random.ts';

export { mulberry32 };

/** Fisher-Yates shuffle of `values` in place, driven by `random`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, random: () => number): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}

/**
 * Stratified fold assignment: positives and negatives are shuffled separately and dealt
 * round-robin, so every fold gets about the same share of each class.
 */
export function stratifiedFolds(y: Uint8Array, folds: number, seed: number): Uint8Array {
  if (!Number.isInteger(folds) || folds < 2 || folds > 255)
    throw new RangeError(`folds must be an integer in [2, 255], got ${folds}`);
  const random = mulberry32(seed);
  const out = new Uint8Array(y.length);
  for (const label of [0, 1]) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if ((y[i] === 1 ? 1 : 0) === label) idx.push(i);
    const order = shuffleInPlace(Int32Array.from(idx), random);
    // Continue dealing where the previous class stopped so fold sizes stay balanced overall.
    const offset = label === 0 ? 0 : y.length - idx.length;
    for (let r = 0; r < order.length; r++) out[order[r]] = (r + offset) % folds;
  }
  return out;
}
