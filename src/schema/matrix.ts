/** A dense row-major feature matrix: what encoders produce and estimators consume. */
export interface DenseMatrix {
  /** row-major values, length rows * cols */
  data: Float32Array;
  rows: number;
  cols: number;
  /** one name per column, e.g. `industry=software`, `email_open_30d_count` */
  columns: string[];
}

/** Make a DenseMatrix, checking that the shape adds up. */
export function denseMatrix(data: Float32Array, rows: number, cols: number, columns: string[]): DenseMatrix {
  if (data.length !== rows * cols) throw new Error(`matrix data has ${data.length} values, expected ${rows}x${cols}`);
  if (columns.length !== cols) throw new Error(`matrix has ${cols} columns but ${columns.length} names`);
  return { data, rows, cols, columns };
}

/** Rows of a matrix picked by index (a new matrix; the source is untouched). */
export function takeRows(m: DenseMatrix, idx: ArrayLike<number>): DenseMatrix {
  const out = new Float32Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { data: out, rows: idx.length, cols: m.cols, columns: m.columns };
}

/** Values of a per-row array picked by index (labels, weights, scores): a new array of the same type. */
export function pickValues<T extends Float64Array | Uint8Array | Int32Array>(a: T, idx: ArrayLike<number>): T {
  const out = new (a.constructor as new (n: number) => T)(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}
