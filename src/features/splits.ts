import { DataError } from '../errors.ts';
import { hashToUnit, mulberry32 } from '../random.ts';
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
    throw new DataError(
      `split fractions must be >= 0, train > 0, and add up to 1; got ${JSON.stringify(f)}`,
      'e.g. { train: 0.6, validation: 0.15, calibration: 0.1, test: 0.15 }',
    );
  }
  return xs;
}

/**
 * Split snapshot rows by time: parts follow each other in as_of order (train earliest, test latest),
 * a whole snapshot date always stays in one part, and parts are separated by a gap of one horizon.
 *
 * Gap rule: every as_of of a later part is at least (the latest as_of of the previous part +
 * horizonDays), so no earlier label window [as_of, as_of + horizon) reaches into a later part's
 * snapshots. Snapshot dates inside a gap are DROPPED (returned in `dropped`).
 *
 * Parts are filled from the latest date backwards (test first), each taking dates until it holds its
 * share of all rows; the gap after it is then skipped, and train takes whatever is left. So gaps cost
 * training rows, not the small evaluation parts.
 */
export function timeSplit(
  frame: FeatureFrame,
  opts: { fractions: SplitFractions; horizonDays: number; sharedHoldout?: { seed: number } },
): Split {
  if (opts.sharedHoldout) return timeSplitSharedHoldout(frame, { ...opts, sharedHoldout: opts.sharedHoldout });
  const fr = normalizeFractions(opts.fractions);
  const n = frame.asOf.length;
  const countByDate = new Map<number, number>();
  for (let i = 0; i < n; i++) countByDate.set(frame.asOf[i], (countByDate.get(frame.asOf[i]) ?? 0) + 1);
  const dates = [...countByDate.keys()].sort((a, b) => a - b);
  const gapMs = opts.horizonDays * 86_400_000;
  const partOfDate = new Map<number, number>(); // -1 = dropped (in a gap)
  let j = dates.length - 1;
  for (let k = PARTS.length - 1; k >= 1; k--) {
    if (fr[k] === 0) continue;
    const want = fr[k] * n;
    let got = 0;
    let first = Infinity;
    while (j >= 0 && (got === 0 || got < want)) {
      partOfDate.set(dates[j], k);
      got += countByDate.get(dates[j])!;
      first = dates[j];
      j--;
    }
    // dates closer than one horizon before this part's first date fall in the gap
    while (j >= 0 && dates[j] > first - gapMs) partOfDate.set(dates[j--], -1);
  }
  for (; j >= 0; j--) partOfDate.set(dates[j], 0);
  const out: number[][] = PARTS.map(() => []);
  const dropped: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = partOfDate.get(frame.asOf[i])!;
    if (k < 0) dropped.push(i);
    else out[k].push(i);
  }
  PARTS.forEach((p, k) => {
    if (fr[k] > 0 && out[k].length === 0) {
      const span = dates.length ? ((dates[dates.length - 1] - dates[0]) / 86_400_000).toFixed(0) : '0';
      throw new DataError(
        `time split: the ${p} part is empty after applying the ${opts.horizonDays}-day gaps (${dates.length} ` +
          `snapshot dates spanning ${span} days)`,
        `use snapshots spanning at least ${(PARTS.filter((_, q) => fr[q] > 0).length - 1) * opts.horizonDays} ` +
          `days plus room for each part, fewer parts, or a shorter horizon`,
      );
    }
  });
  return {
    train: Int32Array.from(out[0]),
    validation: Int32Array.from(out[1]),
    calibration: Int32Array.from(out[2]),
    test: Int32Array.from(out[3]),
    dropped: Int32Array.from(dropped),
  };
}

/**
 * Time split with one shared holdout period: train | gap | holdout | gap | test. The holdout's rows
 * are divided between validation and calibration by lead (a seeded hash of lead_id, so one lead's
 * snapshots stay together), in proportion to their fractions. Two gaps instead of three keep far more
 * training rows; the blend and the calibrator still never see each other's leads, and no label
 * window straddles a boundary between training, holdout and test.
 */
function timeSplitSharedHoldout(
  frame: FeatureFrame,
  opts: { fractions: SplitFractions; horizonDays: number; sharedHoldout: { seed: number } },
): Split {
  const fr = normalizeFractions(opts.fractions);
  const holdout = fr[1] + fr[2];
  const merged = timeSplit(frame, {
    fractions: { train: fr[0], validation: holdout, calibration: 0, test: fr[3] },
    horizonDays: opts.horizonDays,
  });
  const share = holdout > 0 ? fr[1] / holdout : 0;
  const validation: number[] = [];
  const calibration: number[] = [];
  for (const i of merged.validation)
    (hashToUnit(frame.ids[i], opts.sharedHoldout.seed) < share ? validation : calibration).push(i);
  for (const [name, part, f] of [
    ['validation', validation, fr[1]],
    ['calibration', calibration, fr[2]],
  ] as const) {
    if (f > 0 && part.length === 0)
      throw new DataError(`time split: the ${name} part is empty`, 'more leads or snapshot dates are needed');
  }
  return { ...merged, validation: Int32Array.from(validation), calibration: Int32Array.from(calibration) };
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

export { mulberry32 } from '../random.ts';

/** Fisher-Yates shuffle in place with the given random source. */
export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
