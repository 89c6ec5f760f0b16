/**
 * How the blend gets base-model predictions on rows those models were not fitted on. Two ways:
 *   holdout: base models on the training split, the blend on the validation split (cheap: big data)
 *   cv:      K-fold cross-fitting on training + validation rows: each fold's base models (and, via
 *            `encodeFor`, its encoders) see only the other folds, their out-of-fold predictions fit
 *            the blend, then the base models are refitted on all those rows (scikit-learn's
 *            StackingClassifier recipe; every row teaches the base models, small data gains most)
 * Either way no part ever predicts rows it was fitted on, and the calibration and test splits stay unseen.
 */

/** How the blend gets predictions the base models were not fitted on. */
export type StackingMode = 'holdout' | 'cv';

/** Row indices of the four splits. */
export interface Splits {
  train: Int32Array;
  validation: Int32Array;
  calibration: Int32Array;
  test: Int32Array;
}

/** Below this many base rows 'auto' stacks with cv (K+1 fits are affordable); above, holdout. */
export const CV_STACKING_MAX_ROWS = 200_000;

/**
 * Resolve 'auto': cv for small flat data, holdout for big data and for time-ordered snapshots (random
 * folds would put one lead's earlier and later snapshots on both sides, flattering the out-of-fold
 * predictions the blend learns from).
 */
export function chooseStacking(
  requested: StackingMode | 'auto' | undefined,
  baseRows: number,
  timeOrdered = false,
): StackingMode {
  if (requested && requested !== 'auto') return requested;
  return baseRows < CV_STACKING_MAX_ROWS && !timeOrdered ? 'cv' : 'holdout';
}

/** Rows the final base models (and encoders) are fitted on: train (holdout) or train + validation (cv). */
export function baseModelRows(splits: Splits, stacking: StackingMode): Int32Array {
  if (stacking === 'holdout') return splits.train;
  return Int32Array.from([...splits.train, ...splits.validation]).sort();
}
