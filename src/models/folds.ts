/**
 * Which rows each part of the scoring model learns from (replaces the old train / validation /
 * calibration splits, which left 35% of the non-test rows out of the final base models):
 *
 *   - the final base models are fitted on every non-test row (`FitPlan.rows`);
 *   - before that, each fold's base models are fitted on `fold.fit` and predict `fold.predict`, rows
 *     they never saw; those out-of-fold predictions choose each member's hyperparameters, fit the
 *     stacking blend, and (cross-fitted through the blend) fit the calibrator;
 *   - the test rows are never fitted by anything.
 *
 * Flat tables use stratified random folds: every non-test row is predicted once. CRM snapshots keep
 * time order: the non-test dates are cut into blocks of about equal rows, and fold k predicts block k
 * from the rows before it only, leaving out the one-horizon gap before the block (a label window
 * [as_of, as_of + horizon) of a fitted row never reaches a predicted snapshot). The first block is
 * never predicted: nothing comes before it.
 */
import { DataError } from '../errors.ts';
import { stratifiedFolds } from './random.ts';

/** One fold: the rows its base models are fitted on, and the rows they then predict. */
export interface Fold {
  fit: Int32Array;
  predict: Int32Array;
}

/** Which rows each part learns from. Row numbers index the full matrix (test rows included). */
export interface FitPlan {
  /** every row the final base models (and the saved encoders) are fitted on: all non-test rows */
  rows: Int32Array;
  folds: Fold[];
  kind: 'random' | 'time';
  /** rows every metric is measured on; never fitted */
  test: Int32Array;
  /**
   * optional group per matrix row (e.g. a hash of the lead id): rows of one group stay together when
   * the blend is cross-fitted for the calibrator (one lead's snapshots are not split)
   */
  group?: Int32Array;
}

/** Stratified random folds over `rows` (seeded): every row is predicted by exactly one fold. */
export function randomFolds(rows: Int32Array, y: Uint8Array, k: number, seed: number): Fold[] {
  const labels = Uint8Array.from(rows, (i) => y[i]);
  const fold = stratifiedFolds(labels, k, seed);
  const out: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const fit: number[] = [];
    const predict: number[] = [];
    for (let r = 0; r < rows.length; r++) (fold[r] === f ? predict : fit).push(rows[r]);
    out.push({ fit: Int32Array.from(fit), predict: Int32Array.from(predict) });
  }
  return out;
}

/**
 * Forward-chaining folds by time: the dates of `rows` are cut into k + 1 blocks of about equal rows
 * (a date never straddles two blocks); fold j predicts block j (j = 1..k) and is fitted on the rows of
 * earlier blocks whose as_of is at least one horizon before the block's first date.
 */
export function timeFolds(rows: Int32Array, asOf: Float64Array, k: number, horizonDays: number): Fold[] {
  const byDate = new Map<number, number[]>();
  for (const i of rows) {
    const t = asOf[i];
    if (Number.isNaN(t)) throw new DataError('time folds need an as_of date on every row');
    const list = byDate.get(t);
    if (list) list.push(i);
    else byDate.set(t, [i]);
  }
  const dates = [...byDate.keys()].sort((a, b) => a - b);
  if (dates.length < k + 1) {
    throw new DataError(
      `time folds: ${dates.length} snapshot dates before the test period cannot make ${k + 1} blocks`,
      'use fewer stacking folds (stacking.folds), snapshot more often (snapshots.every) or load more history',
    );
  }
  // block of each date: cumulative rows cut at equal shares
  const block = new Map<number, number>();
  let seen = 0;
  for (const d of dates) {
    block.set(d, Math.min(k, Math.floor(((seen + byDate.get(d)!.length / 2) / rows.length) * (k + 1))));
    seen += byDate.get(d)!.length;
  }
  const gapMs = horizonDays * 86_400_000;
  const out: Fold[] = [];
  for (let j = 1; j <= k; j++) {
    const blockDates = dates.filter((d) => block.get(d) === j);
    if (blockDates.length === 0) continue;
    const first = blockDates[0];
    // strictly before the block (with no gap, as for one row per lead at creation, the block's first
    // date is still not fitted)
    const fit = dates.filter((d) => d < first && d + gapMs <= first).flatMap((d) => byDate.get(d)!);
    const predict = blockDates.flatMap((d) => byDate.get(d)!);
    if (fit.length === 0) {
      throw new DataError(
        `time folds: no snapshot is at least ${horizonDays} days before block ${j} (from ${iso(first)})`,
        'use fewer stacking folds (stacking.folds) or load more history',
      );
    }
    out.push({ fit: Int32Array.from(fit).sort(), predict: Int32Array.from(predict).sort() });
  }
  return out;
}

/** Rows predicted by some fold (out-of-fold rows), ascending. */
export function predictedRows(folds: Fold[]): Int32Array {
  const all: number[] = [];
  for (const f of folds) for (const i of f.predict) all.push(i);
  return Int32Array.from(all).sort();
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
