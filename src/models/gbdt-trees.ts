/**
 * The gradient-boosted trees of gbdt.ts in the form tree-shap.ts explains. The one place that knows both formats:
 * when the tree format changes (categorical splits, missing-value directions), only this converter changes.
 */
import type { GradientBoosting } from './gbdt.ts';
import type { NormalizedEnsemble } from './tree-shap.ts';

/** The fitted ensemble as flat typed arrays (numeric splits: value <= threshold goes left; NaN goes right). */
export function normalizedGbdt(model: GradientBoosting): NormalizedEnsemble {
  const s = model.state;
  if (!s) throw new Error('gradient boosting is not fitted: nothing to explain');
  return {
    baseScore: s.baseScore,
    trees: s.trees.map((t) => ({
      feature: Int32Array.from(t.feature),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
      threshold: Float64Array.from(t.threshold),
    })),
  };
}
