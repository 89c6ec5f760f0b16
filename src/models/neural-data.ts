/**
 * The neural network's data preparation: shape and finiteness checks, class weights, the seeded
 * stratified holdout for early stopping, weighted row sets and the standardizing scaler.
 */
import { DataError } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';
import { shuffleInPlace } from './random.ts';

// Below this many rows there is nothing meaningful to hold out: stop on training loss instead.
const MIN_ROWS_FOR_HOLDOUT = 20;
export interface Scaler {
  mean: Float64Array;
  scale: Float64Array;
  /** 1 / scale, precomputed: multiplying is cheaper than dividing in the per-cell loop */
  inverseScale: Float64Array;
}

export function scalerOf(mean: ArrayLike<number>, scale: ArrayLike<number>): Scaler {
  const s = Float64Array.from(scale);
  return { mean: Float64Array.from(mean), scale: s, inverseScale: s.map((v) => 1 / v) };
}

/** Rows of one matrix used as a set, with their labels and weights. */
export interface WeightedRows {
  X: DenseMatrix;
  rows: Int32Array;
  /** label per entry of rows */
  y: Float32Array;
  /** weight per entry of rows */
  weights: Float32Array;
  weightSum: number;
  /** the rows already standardized (entry p at p · cols), when small enough to keep a copy */
  standardized?: Float32Array;
}

// Up to this many cells (128 MB) the training rows are standardized once, not in every epoch's batches.
const STANDARDIZE_ONCE_CELLS = 2 ** 25;

/** Keep a standardized copy of a set's rows when it is small enough: batches then copy rows, same values. */
export function standardizeOnce(set: WeightedRows, scaler: Scaler): void {
  const cols = set.X.cols;
  if (set.rows.length * cols > STANDARDIZE_ONCE_CELLS) return;
  const out = new Float32Array(set.rows.length * cols);
  for (let p = 0; p < set.rows.length; p++) standardizeRow(set.X, set.rows[p], scaler, out, p * cols);
  set.standardized = out;
}

/** Shape adds up, has rows, and holds only finite numbers (NaN would silently poison every weight). */
export function checkShape(X: DenseMatrix, what: string): void {
  checkDimensions(X, what);
  // v - v is 0 for finite v and NaN for NaN/Infinity: one cheap test per cell.
  const k = firstNonFinite(X.data, 0, X.data.length);
  if (k >= 0) throw nonFiniteError(X, k, what);
}

/** Shape adds up and has rows. */
export function checkDimensions(X: DenseMatrix, what: string): void {
  if (X.data.length !== X.rows * X.cols)
    throw new DataError(`${what} has ${X.data.length} values, expected ${X.rows}x${X.cols}`);
  if (X.rows === 0) throw new DataError(`${what} has no rows`);
}

/** The error for the non-finite value at index k of X.data, naming its column and row. */
export function nonFiniteError(X: DenseMatrix, k: number, what: string): DataError {
  const row = Math.floor(k / X.cols);
  const col = k % X.cols;
  return new DataError(
    `${what} has ${X.data[k]} in column '${X.columns[col]}' at row ${row}`,
    'impute or drop missing values in the feature encoders',
  );
}

export function checkValidation(v: { X: DenseMatrix; y: Uint8Array }, X: DenseMatrix): void {
  checkShape(v.X, 'validation matrix');
  if (v.X.cols !== X.cols)
    throw new DataError(`validation matrix has ${v.X.cols} columns but the training matrix has ${X.cols}`);
  if (v.y.length !== v.X.rows)
    throw new DataError(`validation labels have ${v.y.length} rows but the validation matrix has ${v.X.rows}`);
  for (let i = 0; i < v.y.length; i++) {
    if (v.y[i] !== 0 && v.y[i] !== 1)
      throw new DataError(`validation label at row ${i} is ${v.y[i]}; labels must be 0 or 1`);
  }
}

/** Per-class weights [w0, w1]; also refuses a single-class training set, which no classifier can learn from. */
export function classWeights(y: Uint8Array, mode: 'balanced' | null): [number, number] {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  if (positives === 0 || positives === y.length) {
    throw new DataError(
      `training labels are all ${positives === 0 ? 0 : 1}; the neural network needs both classes`,
      'widen the training window or check the label definition',
    );
  }
  if (mode !== 'balanced') return [1, 1];
  return [y.length / (2 * (y.length - positives)), y.length / (2 * positives)];
}

export function classWeightsOf(y: Uint8Array, cw: [number, number]): Float64Array {
  return Float64Array.from(y, (label) => cw[label]);
}

export function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Training and holdout row indices. The holdout is a seeded, stratified share (each class
 * contributes its own fraction, so rare positives are not left out of early stopping), unless a
 * validation set was given.
 */
export function splitRows(
  y: Uint8Array,
  fraction: number,
  hasValidation: boolean,
  random: () => number,
): { train: Int32Array; holdout: Int32Array } {
  const n = y.length;
  if (hasValidation || n < MIN_ROWS_FOR_HOLDOUT) return { train: identity(n), holdout: new Int32Array(0) };
  const holdout: number[] = [];
  const train: number[] = [];
  for (const label of [0, 1]) {
    const rows = Int32Array.from(identity(n).filter((i) => y[i] === label));
    shuffleInPlace(rows, random);
    const k = Math.round(rows.length * fraction);
    for (let r = 0; r < rows.length; r++) (r < k ? holdout : train).push(rows[r]);
  }
  // Sorted so gathers walk memory forward (the training order is reshuffled every epoch anyway).
  return { holdout: Int32Array.from(holdout).sort(), train: Int32Array.from(train).sort() };
}

export function weightedRows(X: DenseMatrix, y: Uint8Array, rows: Int32Array, weights: Float64Array): WeightedRows {
  const labels = new Float32Array(rows.length);
  const w = new Float32Array(rows.length);
  let weightSum = 0;
  for (let k = 0; k < rows.length; k++) {
    labels[k] = y[rows[k]];
    w[k] = weights[rows[k]];
    weightSum += w[k];
  }
  return { X, rows, y: labels, weights: w, weightSum };
}

/** Scale weights to mean 1 so the learning rate means the same with or without weights. */
export function normalizeWeights(w: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i];
  if (!(sum > 0)) return;
  const factor = w.length / sum;
  for (let i = 0; i < w.length; i++) w[i] *= factor;
}

/** Column means and standard deviations over the given rows. */
export function fitScaler(X: DenseMatrix, rows: Int32Array): Scaler {
  const { cols, data } = X;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[base + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows.length;
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * cols;
    for (let j = 0; j < cols; j++) {
      const d = data[base + j] - mean[j];
      sq[j] += d * d;
    }
  }
  // Constant columns keep scale 1: they carry no signal and must not divide by zero.
  const scale = Float64Array.from(sq, (s) => (s > 0 ? Math.sqrt(s / rows.length) : 1));
  return scalerOf(mean, scale);
}

/**
 * Rows start..start+rows-1 of X, standardized into out (row k at k·cols); returns the index in X.data of
 * the first NaN/Infinity among them (out is then not to be used), or -1. The cells are tested after
 * standardizing, where it is cheapest: a NaN or infinite input always gives a NaN or infinite result;
 * the rare finite input that overflows is cleared by the exact scan.
 */
export function standardizeBatch(
  X: DenseMatrix,
  start: number,
  rows: number,
  scaler: Scaler,
  out: Float32Array,
): number {
  const { cols, data } = X;
  const { mean, inverseScale } = scaler;
  let suspect = false;
  for (let k = 0; k < rows; k++) {
    const src = (start + k) * cols;
    const dst = k * cols;
    for (let j = 0; j < cols; j++) {
      const z = (data[src + j] - mean[j]) * inverseScale[j];
      out[dst + j] = z;
      suspect ||= z - z !== 0; // 0 for finite z, NaN for NaN/±Infinity
    }
  }
  return suspect ? firstNonFinite(data, start * cols, (start + rows) * cols) : -1;
}

/** Index of the first NaN/Infinity in data[from..to), or -1. */
export function firstNonFinite(data: Float32Array, from: number, to: number): number {
  for (let k = from; k < to; k++) if (data[k] - data[k] !== 0) return k;
  return -1;
}

/** Row r of X, standardized, written into out at offset. */
export function standardizeRow(X: DenseMatrix, r: number, scaler: Scaler, out: Float32Array, offset: number): void {
  const { cols, data } = X;
  const { mean, inverseScale } = scaler;
  const src = r * cols;
  for (let j = 0; j < cols; j++) out[offset + j] = (data[src + j] - mean[j]) * inverseScale[j];
}
