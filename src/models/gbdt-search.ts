/** What gbdt.ts's fold fits share with the final fit, and the seeded search over tree configurations. */
import type { GradientBoosting } from './gbdt.ts';
import { mulberry32 } from './random.ts';

/** What a fold fit learned that the final fit reuses: the tree count chosen for all folds. */
export interface GbdtTuning {
  iterations: number;
  /** trees grown (the fit's cost per row, for the candidate search's budget) */
  work: number;
}

/**
 * A small seeded search: the given parameters first ({} means "as configured"), then `count - 1`
 * distinct configurations drawn with `seed` from a grid of cheaper, differently regularized trees
 * (learning rate 0.1, shallower or smaller, more or less subsampling and L2), for the scoring model to
 * compare by out-of-fold log loss within its search budget. Same seed, same candidates.
 */
export function gbdtCandidates(seed: number, count: number): Array<Record<string, unknown>> {
  const grid = {
    maxLeafNodes: [7, 15, 31],
    maxDepth: [3, 4, 6, 64],
    minSamplesLeaf: [5, 10, 20, 40],
    l2: [0, 1, 3, 10],
    rowSubsample: [0.7, 0.8, 1],
    colSubsample: [0.5, 0.8, 1],
  };
  const random = mulberry32(seed ^ 0x9e3779b9);
  const out: Array<Record<string, unknown>> = [{}];
  const seen = new Set<string>();
  for (let tries = 0; out.length < count && tries < 100; tries++) {
    const c: Record<string, unknown> = { learningRate: 0.1 };
    for (const [key, values] of Object.entries(grid)) c[key] = values[Math.floor(random() * values.length)];
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

/**
 * The tree count with the lowest held-out log loss pooled over the folds (each fold's mean loss
 * weighted by its held-out rows), over the counts every fold reached: xgboost.cv's early stopping.
 */
export function pooledBestIteration(fits: GradientBoosting[]): number {
  const curves = fits.map((f) => f.heldOutCurve);
  if (curves.some((c) => !c || c.length === 0)) return Math.max(1, ...fits.map((f) => f.iterations));
  const weights = fits.map((f) => f.state!.validation!.rows);
  const reach = Math.min(...curves.map((c) => c!.length));
  let best = 1;
  let bestLoss = Infinity;
  for (let t = 0; t < reach; t++) {
    let loss = 0;
    for (let k = 0; k < curves.length; k++) loss += weights[k] * curves[k]![t];
    if (loss < bestLoss - 1e-12) {
      bestLoss = loss;
      best = t + 1;
    }
  }
  return best;
}
