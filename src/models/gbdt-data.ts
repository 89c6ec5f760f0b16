/**
 * What the boosted trees split on, and the binned copy of the training rows they grow on.
 *
 * Tree features are found in the matrix the encoders made (see src/features/encoders.ts):
 *   - categorical: a run of adjacent columns `name=level` with the same `name` that is one-hot on the
 *     training rows (every value 0 or 1, exactly one 1 per row; the encoders' `<other>` and `<missing>`
 *     columns make it so). The trees split such a group natively: a subset of its levels goes left.
 *     A run that is not one-hot stays as plain numeric columns.
 *   - quantile-bin indicators `name#bin<k>` of a numeric column `name` are skipped: they exist for the
 *     linear model, and a threshold on `name` itself says everything they say.
 *   - every other column is numeric (missing-value indicators included).
 * The level of a categorical feature is the position of its 1 among the group's columns; a row with
 * no 1 (a matrix from elsewhere) gets level = number of columns, which no split sends left.
 */
import { DataError } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';

/** One input of the trees: a matrix column, or a one-hot group of columns read as one categorical. */
export type TreeFeature =
  { name: string; kind: 'numeric'; column: number } | { name: string; kind: 'categorical'; columns: number[] };

/** The features the trees split on, found from the column names and checked on the data. */
export function treeFeatures(X: DenseMatrix, native = true): TreeFeature[] {
  const names = X.columns;
  const prefixOf = (c: number): string | null => {
    const k = names[c].indexOf('=');
    return k > 0 ? names[c].slice(0, k) : null;
  };
  const plain = new Set(names);
  const out: TreeFeature[] = [];
  let c = 0;
  while (c < names.length) {
    const prefix = prefixOf(c);
    let end = c + 1;
    if (prefix !== null) while (end < names.length && prefixOf(end) === prefix) end++;
    if (native && prefix !== null && end - c >= 2 && isOneHot(X, c, end)) {
      out.push({ name: prefix, kind: 'categorical', columns: Array.from({ length: end - c }, (_, k) => c + k) });
      c = end;
      continue;
    }
    for (let j = c; j < end; j++) {
      const bin = /^(.*)#bin\d+$/.exec(names[j]);
      if (!(bin && plain.has(bin[1]))) out.push({ name: names[j], kind: 'numeric', column: j });
    }
    c = end;
  }
  return out;
}

/** True when columns [from, to) hold only 0/1 with exactly one 1 in every row. */
function isOneHot(X: DenseMatrix, from: number, to: number): boolean {
  for (let i = 0; i < X.rows; i++) {
    let ones = 0;
    const base = i * X.cols;
    for (let j = from; j < to; j++) {
      const v = X.data[base + j];
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

/** Level of a categorical feature in row i: the position of the group's 1 (columns.length when none). */
export function levelOf(X: DenseMatrix, i: number, columns: number[]): number {
  const base = i * X.cols;
  for (let k = 0; k < columns.length; k++) if (X.data[base + columns[k]] > 0.5) return k;
  return columns.length;
}

/**
 * Cut points of a numeric column on the given rows: midpoints between distinct values, or about
 * `maxBins` quantiles when there are more distinct values. NaN is left out (it goes to the last bin).
 */
export function binCuts(X: DenseMatrix, column: number, rows: Int32Array, maxBins: number): Float64Array {
  const v = new Float64Array(rows.length);
  let n = 0;
  for (let k = 0; k < rows.length; k++) {
    const x = X.data[rows[k] * X.cols + column];
    if (!Number.isNaN(x)) v[n++] = x;
  }
  const sorted = v.subarray(0, n).sort();
  const distinct: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  const cuts: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 1; k < distinct.length; k++) cuts.push((distinct[k - 1] + distinct[k]) / 2);
  } else {
    for (let k = 1; k < maxBins; k++) {
      const c = sorted[Math.floor((k / maxBins) * n)];
      if (c > sorted[0] && (cuts.length === 0 || c > cuts[cuts.length - 1])) cuts.push(c);
    }
  }
  return Float64Array.from(cuts);
}

/** Bin of x: the number of cut points below x, so bin <= b exactly when x <= cuts[b]; NaN: the last bin. */
export function binOf(cuts: Float64Array, x: number): number {
  if (Number.isNaN(x)) return cuts.length;
  let lo = 0,
    hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows binned, row-major: row i's code for feature f at i * features + f, as a global bin number
 * offset[f] + (bin within f), so histogram building indexes one flat array with no addition.
 */
export interface BinnedRows {
  codes: Uint16Array;
  /** number of codes per feature (numeric: cuts + 1; categorical: levels + 1 for "none") */
  bins: Int32Array;
  /** first global bin of each feature (offset[features] = total bins) */
  offset: Int32Array;
  /** numeric features' cut points (empty for categoricals) */
  cuts: Float64Array[];
  rows: number;
  features: number;
}

/** Bin every row of X with cut points fitted on `fitRows`. */
export function binRows(X: DenseMatrix, features: TreeFeature[], fitRows: Int32Array, maxBins: number): BinnedRows {
  const m = features.length;
  const cuts = features.map((f) =>
    f.kind === 'numeric' ? binCuts(X, f.column, fitRows, maxBins) : new Float64Array(),
  );
  const bins = Int32Array.from(features, (f, j) => (f.kind === 'numeric' ? cuts[j].length + 1 : f.columns.length + 1));
  const offset = new Int32Array(m + 1);
  for (let j = 0; j < m; j++) offset[j + 1] = offset[j] + bins[j];
  if (offset[m] > 65535) throw new DataError(`gradient boosting: ${offset[m]} bins in all; at most 65535 fit`);
  const binned = { codes: new Uint16Array(0), bins, offset, cuts, rows: X.rows, features: m };
  return { ...binned, codes: binCodes(X, features, binned) };
}

/** Global bin numbers of every row of X (any rows: training, held out) with bins already fitted. */
export function binCodes(X: DenseMatrix, features: TreeFeature[], binned: Omit<BinnedRows, 'codes'>): Uint16Array {
  const m = features.length;
  const codes = new Uint16Array(X.rows * m);
  for (let j = 0; j < m; j++) {
    const f = features[j];
    const o = binned.offset[j];
    if (f.kind === 'numeric') {
      const cj = binned.cuts[j];
      for (let i = 0; i < X.rows; i++) codes[i * m + j] = o + binOf(cj, X.data[i * X.cols + f.column]);
    } else {
      for (let i = 0; i < X.rows; i++) codes[i * m + j] = o + levelOf(X, i, f.columns);
    }
  }
  return codes;
}
