/**
 * Small numeric helpers every stage shares (models, evaluation, scoring): one log loss, one binary
 * search, so a metric or a percentile is computed the same way wherever it appears.
 */

/** Default clipping of probabilities in the log loss, as scikit-learn's log_loss. */
export const LOG_LOSS_EPS = 1e-15;

/** Mean log loss of labels `y` (0/1) against probabilities `p`, with p clipped to [eps, 1 - eps]; NaN when empty. */
export function meanLogLoss(y: ArrayLike<number>, p: ArrayLike<number>, eps = LOG_LOSS_EPS): number {
  const n = y.length;
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(Math.max(p[i], eps), 1 - eps);
    total -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return total / n;
}

/** Number of entries of ascending `sorted` strictly below `v` (the first index where v could be inserted). */
export function lowerBound(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of entries of ascending `sorted` at or below `v` (the last index where v could be inserted). */
export function upperBound(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * ROC AUC of `score` against 0/1 labels `y` (Mann-Whitney U with average ranks for ties, as
 * scikit-learn's roc_auc_score); 0.5 when a class is absent.
 */
export function rocAucOf(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i] ? 1 : 0;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return 0.5;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
