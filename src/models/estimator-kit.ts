/**
 * Helpers every estimator shares (logistic, neural, trees, blend, calibrators): parameter validation
 * with errors that name the key, and per-row weights that fold in class weights. One copy, so every
 * estimator checks its labels and weights the same way.
 */
import type { z } from 'zod';
import { ConfigError, DataError } from '../errors.ts';

/** Parse params with zod, turning validation failures into a ConfigError that names the bad key. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid ${what} params: ${issues}`);
  }
  return parsed.data;
}

/** Sample weights times class weights ('balanced' uses unweighted class counts, like scikit-learn). */
export function effectiveWeights(
  y: Uint8Array,
  rows: number,
  sampleWeight: Float64Array | undefined,
  classWeight: 'balanced' | null,
): Float64Array {
  if (y.length !== rows) throw new DataError(`labels have ${y.length} rows but the matrix has ${rows}`);
  if (sampleWeight && sampleWeight.length !== rows) {
    throw new DataError(`sampleWeight has ${sampleWeight.length} values but the matrix has ${rows} rows`);
  }
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new DataError(`label at row ${i} is ${y[i]}; labels must be 0 or 1`);
    positives += y[i];
  }
  if (rows > 0 && (positives === 0 || positives === rows)) {
    throw new DataError(
      `labels contain only class ${positives === 0 ? 0 : 1}; fitting needs both classes (0 and 1) in the training rows`,
    );
  }
  const w = new Float64Array(rows);
  const cw = [1, 1];
  if (classWeight === 'balanced') {
    cw[0] = rows / (2 * (rows - positives));
    cw[1] = rows / (2 * positives);
  }
  for (let i = 0; i < rows; i++) {
    const s = sampleWeight ? sampleWeight[i] : 1;
    if (!(s >= 0) || !Number.isFinite(s))
      throw new DataError(`sampleWeight at row ${i} is ${s}; weights must be finite and >= 0`);
    w[i] = s * cw[y[i]];
  }
  return w;
}
