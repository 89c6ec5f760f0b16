import { DataError } from '../errors.ts';
import type { FeatureFrame } from './frame.ts';

/** Row indices of each part of a split. */
export interface Split {
  train: Int32Array;
  validation: Int32Array;
  calibration: Int32Array;
  test: Int32Array;
  /** rows left out (time split: rows in the gap after a boundary) */
  dropped?: Int32Array;
}

/** Share of rows for each part; parts left out get none. Must add up to 1. */
export interface SplitFractions {
  train: number;
  validation?: number;
  calibration?: number;
  test?: number;
}

const PARTS = ['train', 'validation', 'calibration', 'test'] as const;

function normalizeFractions(f: SplitFractions): number[] {
  const xs = PARTS.map((p) => f[p] ?? 0);
  const sum = xs.reduce((a, b) => a + b, 0);
  if (xs.some((x) => x < 0 || !Number.isFinite(x)) || Math.abs(sum - 1) > 1e-6 || xs[0] <= 0) {
    throw new DataError(`split fractions must be >= 0, train > 0, and add up to 1; got ${JSON.stringify(f)}`, 'e.g. { train: 0.6, validation: 0.15, calibration: 0.1, test: 0.15 }');
  }
  return xs;
}

/**
 * Split snapshot rows by time: parts follow each other in as_of order (train earliest, test latest),
 * a whole snapshot date always stays in one part, and parts are separated by a gap of one horizon.
 *
 * Gap rule: a row of a later part is DROPPED when its as_of is earlier than (the latest as_of of the
 * previous non-empty part + horizonDays). Those rows' features would overlap the label windows
 * [as_of, as_of + horizon) of the previous part, i.e. the earlier labels are not yet known at the
 * later part's cutoff. Dropped rows are returned in `dropped`.
 */
export function timeSplit(frame: FeatureFrame, opts: { fractions: SplitFractions; horizonDays: number }): Split {
  const fr = normalizeFractions(opts.fractions);
  const n = frame.asOf.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => frame.asOf[a] - frame.asOf[b] || a - b);
  const dates = [...new Set(order.map((i) => frame.asOf[i]))];
  // Assign each snapshot date to a part by the cumulative share of rows up to it.
  const countByDate = new Map<number, number>();
  for (let i = 0; i < n; i++) countByDate.set(frame.asOf[i], (countByDate.get(frame.asOf[i]) ?? 0) + 1);
  const cum = fr.map((_, k) => fr.slice(0, k + 1).reduce((a, b) => a + b, 0));
  const partOfDate = new Map<number, number>();
  let seen = 0;
  for (const d of dates) {
    const mid = (seen + countByDate.get(d)! / 2) / n; // where the date's rows sit on average
    let k = cum.findIndex((c) => mid < c - 1e-12);
    if (k < 0) k = PARTS.length - 1;
    partOfDate.set(d, k);
    seen += countByDate.get(d)!;
  }
  const gapMs = opts.horizonDays * 86_400_000;
  const latest = PARTS.map(() => -Infinity);
  for (const d of dates) latest[partOfDate.get(d)!] = Math.max(latest[partOfDate.get(d)!], d);
  const out: number[][] = PARTS.map(() => []);
  const dropped: number[] = [];
  for (const i of order) {
    const k = partOfDate.get(frame.asOf[i])!;
    let prevLatest = -Infinity;
    for (let j = k - 1; j >= 0; j--) if (latest[j] > -Infinity) { prevLatest = latest[j]; break; }
    if (frame.asOf[i] < prevLatest + gapMs) dropped.push(i);
    else out[k].push(i);
  }
  PARTS.forEach((p, k) => {
    if (fr[k] > 0 && out[k].length === 0) {
      const span = dates.length ? ((dates[dates.length - 1] - dates[0]) / 86_400_000).toFixed(0) : '0';
      throw new DataError(
        `time split: the ${p} part is empty after applying the ${opts.horizonDays}-day gap (${dates.length} snapshot dates spanning ${span} days)`,
        `use snapshots spanning at least ${(PARTS.filter((_, j) => fr[j] > 0).length - 1) * opts.horizonDays} days plus room for each part, fewer parts, or a shorter horizon`,
      );
    }
  });
  return { train: Int32Array.from(out[0]), validation: Int32Array.from(out[1]), calibration: Int32Array.from(out[2]), test: Int32Array.from(out[3]), dropped: Int32Array.from(dropped) };
}

/** Stratified random split (for flat tables without time): each part gets the same share of positives; seeded. */
export function stratifiedSplit(label: ArrayLike<number>, fractions: SplitFractions, seed: number): Split {
  const fr = normalizeFractions(fractions);
  const rand = mulberry32(seed);
  const out: number[][] = PARTS.map(() => []);
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < label.length; i++) if ((label[i] ? 1 : 0) === cls) rows.push(i);
    shuffle(rows, rand);
    let start = 0;
    let cum = 0;
    fr.forEach((f, k) => {
      cum += f;
      const end = k === fr.length - 1 ? rows.length : Math.round(cum * rows.length);
      for (let j = start; j < end; j++) out[k].push(rows[j]);
      start = end;
    });
  }
  const sorted = out.map((xs) => Int32Array.from(xs.sort((a, b) => a - b)));
  return { train: sorted[0], validation: sorted[1], calibration: sorted[2], test: sorted[3] };
}

/** A small seeded PRNG (mulberry32): same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place with the given random source. */
export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
