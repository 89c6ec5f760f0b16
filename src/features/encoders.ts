import { DataError } from '../errors.ts';
import { presentValues } from '../numeric.ts';
import {
  denseMatrix,
  type CategoricalEncoder,
  type DenseMatrix,
  type EncoderState,
  type NumericEncoder,
} from '../schema/index.ts';
import type { FeatureColumn, FeatureFrame } from './frame.ts';
import { CategoricalEncoding, NumericEncoding, type FeatureDef, type FeatureSpec } from './spec.ts';

/**
 * Encoders turn raw features into the model matrix. Everything they learn (levels, means, stds) comes
 * from the training rows only, is plain JSON, and is applied unchanged at scoring time.
 *   numeric:     clip -> sign-preserving log1p -> (x - mean) / std; missing -> 0 (the train mean)
 *                plus a `<name>:missing` 0/1 column when missing values were seen in training
 *                plus, when asked (`numericBins`), one-hot quantile bins `<name>#bin<k>` whose cut points
 *                are training quantiles: lets a linear model bend along the feature (like KBinsDiscretizer)
 *   categorical: one column per kept level `<name>=<level>`, plus `<name>=<other>` (rare and unseen
 *                levels) and `<name>=<missing>` (null)
 */

export const OTHER_LEVEL = '<other>';
export const MISSING_LEVEL = '<missing>';

export type { CategoricalEncoder, EncoderState, NumericEncoder } from '../schema/encoder-state.ts';

// log1p of small whole numbers (counts: most inputs) read from a table that Math.log1p itself filled:
// the same bits without a call into C++ (log1p was about a quarter of transform's time at 1M rows).
const LOG1P_INT = Float64Array.from({ length: 1024 }, (_, i) => Math.log1p(i));

/** sign-preserving log1p, so negative values stay ordered */
function slog1p(x: number): number {
  if (x === 0) return x; // log1p(±0) is ±0, sign kept
  if (x > 0 && x < LOG1P_INT.length && (x | 0) === x) return LOG1P_INT[x];
  return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

function prepare(e: Pick<NumericEncoder, 'clip' | 'log1p'>, x: number): number {
  if (Number.isNaN(x)) return x;
  if (e.clip?.min !== undefined && x < e.clip.min) x = e.clip.min;
  if (e.clip?.max !== undefined && x > e.clip.max) x = e.clip.max;
  return e.log1p ? slog1p(x) : x;
}

function optionsFor(col: FeatureColumn, spec?: FeatureSpec): { def?: FeatureDef; encoding: Record<string, unknown> } {
  const def = spec?.features.find((f) => f.name === col.name);
  const fromDef = def && 'encoding' in def ? (def.encoding as Record<string, unknown> | undefined) : undefined;
  return { def, encoding: { ...(col.encoding ?? {}), ...(fromDef ?? {}) } };
}

/** Options that apply to every column of a fit (per-feature options come from the spec). */
export interface FitEncoderOptions {
  /** one-hot this many quantile bins per numeric feature (0 or absent: none) */
  numericBins?: number;
}

/** Interior cut points at the training quantiles k/bins (distinct, ascending); NaN values ignored. */
export function quantileEdges(values: Float64Array, bins: number): number[] {
  const sorted = presentValues(values).sort();
  if (sorted.length === 0 || bins < 2) return [];
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((k / bins) * sorted.length))];
    // a cut at the minimum would leave the first bin empty
    if (e > sorted[0] && (edges.length === 0 || e > edges[edges.length - 1])) edges.push(e);
  }
  return edges;
}

/** Which bin x falls in: the number of edges <= x. */
function binOf(edges: number[], x: number): number {
  let lo = 0,
    hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fit encoders on the training rows `trainIdx` only; options come from the spec (or each column's own `encoding`). */
export function fitEncoders(
  frame: FeatureFrame,
  trainIdx: ArrayLike<number>,
  spec?: FeatureSpec,
  fitOptions: FitEncoderOptions = {},
): EncoderState {
  if (trainIdx.length === 0)
    throw new DataError(
      'cannot fit encoders on an empty training split',
      'check the split fractions and the snapshot dates',
    );
  const features: EncoderState['features'] = [];
  for (const col of frame.columns) {
    const { def, encoding } = optionsFor(col, spec);
    if (col.kind === 'numeric') {
      const opt = NumericEncoding.parse(pickKeys(encoding, NumericEncoding));
      let n = 0,
        sum = 0,
        sumSq = 0,
        missing = 0;
      const prepared = new Float64Array(trainIdx.length);
      for (let k = 0; k < trainIdx.length; k++) {
        const x = prepare(opt, col.values[trainIdx[k]]);
        prepared[k] = x;
        if (Number.isNaN(x)) {
          missing++;
          continue;
        }
        n++;
        sum += x;
        sumSq += x * x;
      }
      const binEdges = fitOptions.numericBins ? quantileEdges(prepared, fitOptions.numericBins) : [];
      const mean = n ? sum / n : 0;
      const variance = n > 1 ? Math.max(0, (sumSq - n * mean * mean) / (n - 1)) : 0;
      const std = Math.sqrt(variance) > 1e-12 ? Math.sqrt(variance) : 1;
      features.push({
        name: col.name,
        kind: 'numeric',
        log1p: opt.log1p,
        ...(opt.clip ? { clip: opt.clip } : {}),
        mean,
        std,
        missingIndicator: opt.missing_indicator && missing > 0,
        missingRate: missing / trainIdx.length,
        ...(binEdges.length > 0 ? { binEdges } : {}),
        ...(def ? { def } : {}),
      });
    } else {
      const opt = CategoricalEncoding.parse(pickKeys(encoding, CategoricalEncoding));
      const counts = new Map<string, number>();
      let missing = 0;
      for (let k = 0; k < trainIdx.length; k++) {
        const v = col.values[trainIdx[k]];
        if (v === null) missing++;
        else counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      // most frequent first, ties by name, so the same data always gives the same columns
      const kept = [...counts.entries()]
        .filter(([, c]) => c >= opt.min_count)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, opt.top_k);
      features.push({
        name: col.name,
        kind: 'categorical',
        levels: kept.map(([l]) => l),
        counts: kept.map(([, c]) => c),
        missingRate: missing / trainIdx.length,
        ...(def ? { def } : {}),
      });
    }
  }
  const columns: string[] = [];
  const source: string[] = [];
  for (const f of features) {
    for (const c of encoderColumns(f)) {
      columns.push(c);
      source.push(f.name);
    }
  }
  return { version: 1, trainRows: trainIdx.length, features, columns, source };
}

function pickKeys(obj: Record<string, unknown>, schema: { shape: Record<string, unknown> }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k in schema.shape));
}

/** The matrix column names one encoder produces. */
export function encoderColumns(f: NumericEncoder | CategoricalEncoder): string[] {
  if (f.kind === 'numeric') {
    const bins = f.binEdges ? Array.from({ length: f.binEdges.length + 1 }, (_, k) => `${f.name}#bin${k}`) : [];
    return [f.name, ...(f.missingIndicator ? [`${f.name}:missing`] : []), ...bins];
  }
  return [...f.levels.map((l) => `${f.name}=${l}`), `${f.name}=${OTHER_LEVEL}`, `${f.name}=${MISSING_LEVEL}`];
}

/** Encode rows `idx` (default: all) of a frame with a fitted state into a dense Float32 matrix. */
export function transform(
  state: EncoderState,
  frame: FeatureFrame,
  idx?: ArrayLike<number>,
): { matrix: DenseMatrix; source: string[] } {
  const rows = idx ?? allRows(frame.ids.length);
  const cols = state.columns.length;
  const data = new Float32Array(rows.length * cols);
  const plans = encodePlans(state, frame);
  // Row blocks, all features per block: the block's slice of the matrix stays in cache while every
  // feature writes into it (feature by feature over all rows touched every cache line once per feature).
  const block = Math.max(16, Math.floor(BLOCK_BYTES / (4 * Math.max(1, cols))));
  for (let from = 0; from < rows.length; from += block) {
    const to = Math.min(rows.length, from + block);
    for (const p of plans) {
      if (p.kind === 'numeric') encodeNumeric(p, rows, from, to, data, cols);
      else encodeCategorical(p, rows, from, to, data, cols);
    }
  }
  return { matrix: denseMatrix(data, rows.length, cols, state.columns.slice()), source: state.source.slice() };
}

// Bytes of matrix rows encoded together: about half the L2 cache of a typical core.
const BLOCK_BYTES = 256 * 1024;

/** 0..n-1 (a plain loop: Int32Array.from with a callback costs a call per row). */
function allRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** One numeric feature's encoding, with its options read once instead of per cell. */
interface NumericPlan {
  kind: 'numeric';
  values: Float64Array;
  offset: number;
  /** clip bounds; ±Infinity when absent (never clips, like no bound) */
  min: number;
  max: number;
  log1p: boolean;
  mean: number;
  std: number;
  missingIndicator: boolean;
  binEdges: number[] | undefined;
  /** first bin column, relative to offset */
  binsAt: number;
}

/** One categorical feature's encoding: level -> column (relative to offset). */
interface CategoricalPlan {
  kind: 'categorical';
  values: (string | null)[];
  offset: number;
  position: Map<string, number>;
  other: number;
}

/** Check the frame has every feature with the same kind, and resolve each feature's column and matrix offset. */
function encodePlans(state: EncoderState, frame: FeatureFrame): Array<NumericPlan | CategoricalPlan> {
  const byName = new Map(frame.columns.map((c) => [c.name, c]));
  const plans: Array<NumericPlan | CategoricalPlan> = [];
  let offset = 0;
  for (const f of state.features) {
    const col = byName.get(f.name);
    if (!col)
      throw new DataError(
        `feature "${f.name}" is missing from the data being scored`,
        'build features with the same features file the model was trained with',
      );
    if (col.kind !== f.kind)
      throw new DataError(
        `feature "${f.name}" is ${col.kind} here but was ${f.kind} in training`,
        'use the same features file / column overrides as in training',
      );
    if (f.kind === 'numeric') {
      const binsAt = f.missingIndicator ? 2 : 1;
      plans.push({
        kind: 'numeric',
        values: col.values as Float64Array,
        offset,
        // same tests as prepare(): a bound is applied whenever it is defined
        min: f.clip?.min !== undefined ? f.clip.min : -Infinity,
        max: f.clip?.max !== undefined ? f.clip.max : Infinity,
        log1p: f.log1p,
        mean: f.mean,
        std: f.std,
        missingIndicator: f.missingIndicator,
        binEdges: f.binEdges,
        binsAt,
      });
      offset += binsAt + (f.binEdges ? f.binEdges.length + 1 : 0);
    } else {
      plans.push({
        kind: 'categorical',
        values: col.values as (string | null)[],
        offset,
        position: new Map(f.levels.map((l, i) => [l, i])),
        other: f.levels.length,
      });
      offset += f.levels.length + 2;
    }
  }
  return plans;
}

/** Matrix rows from..to-1 of one numeric feature: prepare() then standardize, as in fitEncoders. */
function encodeNumeric(
  p: NumericPlan,
  rows: ArrayLike<number>,
  from: number,
  to: number,
  data: Float32Array,
  cols: number,
): void {
  const { values, min, max, log1p, mean, std, missingIndicator, binEdges, binsAt } = p;
  for (let r = from; r < to; r++) {
    let x = values[rows[r]];
    const base = r * cols + p.offset;
    if (Number.isNaN(x)) {
      data[base] = 0;
      if (missingIndicator) data[base + 1] = 1;
      continue; // missing rows get no bin: the missing indicator speaks for them
    }
    if (x < min) x = min;
    if (x > max) x = max;
    if (log1p) x = slog1p(x);
    data[base] = (x - mean) / std;
    if (binEdges) data[base + binsAt + binOf(binEdges, x)] = 1;
  }
}

/**
 * Matrix rows from..to-1 of one categorical feature: a 1 in the level's column (unseen -> <other>, null -> <missing>).
 */
function encodeCategorical(
  p: CategoricalPlan,
  rows: ArrayLike<number>,
  from: number,
  to: number,
  data: Float32Array,
  cols: number,
): void {
  const { values, position, other } = p;
  for (let r = from; r < to; r++) {
    const v = values[rows[r]];
    const k = v === null ? other + 1 : (position.get(v) ?? other);
    data[r * cols + p.offset + k] = 1;
  }
}
