import { DataError } from '../errors.ts';
import type { FeatureFrame, Split } from '../features/index.ts';

/**
 * What training checks before it fits anything, and says plainly: how many rows and conversions each
 * part of the split holds (below a floor it refuses, naming the counts and what to change; below a
 * recommended level it warns), and which features carry nothing on the training rows (constant or
 * always missing: left out, and listed).
 */

/** Fewer conversions than this in the training part: training is refused (exit 3). */
export const MIN_TRAIN_CONVERSIONS = 20;
/** Fewer than this in the training part: a warning (the model will be rough, its metrics noisy). */
export const RECOMMENDED_TRAIN_CONVERSIONS = 120;
/** Fewer than this in the test part: a warning that the test metrics rest on few conversions. */
export const RECOMMENDED_TEST_CONVERSIONS = 20;

const PARTS = ['train', 'validation', 'calibration', 'test'] as const;
type Part = (typeof PARTS)[number];

/** Rows and conversions per part of a split, and of the rows left out in the gaps between parts. */
export interface SplitCounts {
  rows: Record<Part | 'dropped', number>;
  conversions: Record<Part | 'dropped', number>;
}

/** How the rows were made, for the advice on what to change. */
export type TrainingMode = 'snapshots' | 'created' | 'flat';

/** Count rows and conversions (label 1) in every part. */
export function splitCounts(label: Uint8Array, split: Split): SplitCounts {
  const rows = { train: 0, validation: 0, calibration: 0, test: 0, dropped: 0 };
  const conversions = { ...rows };
  for (const part of [...PARTS, 'dropped'] as const) {
    const idx = split[part] ?? new Int32Array(0);
    rows[part] = idx.length;
    let k = 0;
    for (const i of idx) k += label[i];
    conversions[part] = k;
  }
  return { rows, conversions };
}

/** "train 812 rows, 7 converted; validation ...; left out in the gaps 96 rows, 3 converted". */
export function describeCounts(c: SplitCounts): string {
  const part = (p: Part | 'dropped', label: string) => `${label} ${c.rows[p]} rows, ${c.conversions[p]} converted`;
  // validation and calibration are out-of-fold rows among train now; older splits still name them
  const parts = PARTS.filter((p) => p === 'train' || p === 'test' || c.rows[p] > 0).map((p) => part(p, p));
  if (c.rows.dropped > 0) parts.push(part('dropped', 'left out in the gaps between parts'));
  return parts.join('; ');
}

/**
 * Refuse to train when the split cannot carry a model (a DataError, exit 3, with the counts and what to
 * change); otherwise return warnings for thin data.
 */
export function checkTrainable(c: SplitCounts, mode: TrainingMode, horizonDays?: number): string[] {
  const problems: string[] = [];
  if (c.conversions.train < MIN_TRAIN_CONVERSIONS)
    problems.push(`training has ${c.conversions.train} conversions (at least ${MIN_TRAIN_CONVERSIONS} are needed)`);
  if (c.rows.train - c.conversions.train === 0) problems.push('training has no non-converted rows');
  for (const p of ['validation', 'calibration', 'test'] as const) {
    if (p !== 'test' && c.rows[p] === 0) continue; // no such part: the blend and calibrator learn out of fold
    if (c.conversions[p] === 0) problems.push(`the ${p} part has no conversions`);
    else if (c.rows[p] === c.conversions[p]) problems.push(`the ${p} part has only conversions`);
  }
  if (problems.length) {
    throw new DataError(
      `too little to train on: ${problems.join('; ')}.\nrows and conversions per part: ${describeCounts(c)}`,
      advice(c, mode, horizonDays),
    );
  }
  const warnings: string[] = [];
  if (c.conversions.train < RECOMMENDED_TRAIN_CONVERSIONS)
    warnings.push(
      `only ${c.conversions.train} conversions to train on ` +
        `(${RECOMMENDED_TRAIN_CONVERSIONS} or more are recommended): ` +
        'expect a rough model; ' +
        advice(c, mode, horizonDays),
    );
  if (c.conversions.test < RECOMMENDED_TEST_CONVERSIONS)
    warnings.push(
      `the test metrics rest on ${c.conversions.test} conversions: AUC and calibration are uncertain by several points`,
    );
  return warnings;
}

function advice(c: SplitCounts, mode: TrainingMode, horizonDays?: number): string {
  const h = horizonDays ? ` (now ${horizonDays})` : '';
  const shares = 'give the test part a smaller share (split: {test: 0.15})';
  if (mode === 'flat') return `use a file with more converted rows, or ${shares}`;
  if (mode === 'created')
    return (
      `load leads created over a longer span, lengthen horizon_days${h} so later conversions count, or ${shares}; ` +
      'check that the outcomes file lists the won deals of these leads'
    );
  const gaps =
    c.conversions.dropped > 0
      ? `the one-horizon gaps between the parts left out ${c.conversions.dropped} conversions; `
      : '';
  return (
    `${gaps}label each lead once, at creation (train --label created, or snapshots: {every: created}), which ` +
    `needs no gaps; or load more history, shorten horizon_days${h}, move snapshots.start earlier, or ${shares}`
  );
}

/** Features that carry nothing on some rows: always missing, or one value (and never missing). */
export interface EmptyColumns {
  missing: string[];
  constant: Array<{ name: string; value: string }>;
}

/** The frame's columns that are always missing, or constant, on `rows`. */
export function emptyColumns(frame: FeatureFrame, rows: Int32Array): EmptyColumns {
  const out: EmptyColumns = { missing: [], constant: [] };
  for (const c of frame.columns) {
    let first: number | string | null = null;
    let seen = false;
    let varies = false;
    let anyMissing = false;
    for (const i of rows) {
      const v = c.values[i];
      const isMissing = v === null || (typeof v === 'number' && Number.isNaN(v));
      if (isMissing) {
        anyMissing = true;
        continue;
      }
      if (!seen) {
        first = v;
        seen = true;
      } else if (v !== first) {
        varies = true;
        break;
      }
    }
    if (!seen) out.missing.push(c.name);
    else if (!varies && !anyMissing) out.constant.push({ name: c.name, value: String(first) });
  }
  return out;
}
