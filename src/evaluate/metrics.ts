/**
 * Standard binary-classification metrics on labels `y` (0/1) and scores `p`.
 * Each one matches scikit-learn's definition (named in its doc comment) so figures compare
 * one-to-one with the scikit-learn peer (bench/peer_sklearn.py). Undefined cases (one class only) give NaN.
 */
import { lowerBound } from '../numeric.ts';

type Scores = ArrayLike<number>;

function checkPair(y: Uint8Array, p: Scores): number {
  if (y.length !== p.length) throw new RangeError(`labels have ${y.length} rows but scores have ${p.length}`);
  return y.length;
}

function countPositives(y: Uint8Array): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  return pos;
}

/** Row indices ordered by score descending; ties keep row order (stable). */
export function orderByScoreDesc(p: Scores): Int32Array {
  const idx = new Int32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((a, b) => p[b] - p[a] || a - b);
  return idx;
}

/**
 * 1-based ranks of `p` ascending, ties sharing their average rank (scipy's rankdata 'average'). `desc`, when given, is
 * orderByScoreDesc(p), sorted already: the groups of ties are the same read from the other end.
 */
export function averageRanks(p: Scores, desc?: Int32Array): Float64Array {
  const n = p.length;
  const idx = new Int32Array(n);
  if (desc) {
    for (let k = 0; k < n; k++) idx[k] = desc[n - 1 - k];
  } else {
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((a, b) => p[a] - p[b] || a - b);
  }
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && p[idx[end]] === p[idx[start]]) end++;
    const avg = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[idx[k]] = avg;
    start = end;
  }
  return ranks;
}

/**
 * ROC AUC via the Mann-Whitney U statistic with average ranks for ties (= sklearn's roc_auc_score). Here and below,
 * `order` is orderByScoreDesc(p) when the caller has it already (several metrics of one score sort once).
 */
export function rocAuc(y: Uint8Array, p: Scores, order?: Int32Array): number {
  const n = checkPair(y, p);
  const pos = countPositives(y);
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  const ranks = averageRanks(p, order);
  let rankSum = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) rankSum += ranks[i];
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Cumulative true/false positive counts at each distinct score, highest score first
 * (sklearn's _binary_clf_curve): entry k covers every row scoring >= thresholds[k].
 */
export function thresholdCounts(
  y: Uint8Array,
  p: Scores,
  order: Int32Array = orderByScoreDesc(p),
): { tps: Float64Array; fps: Float64Array; thresholds: Float64Array } {
  const n = checkPair(y, p);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (y[i] === 1) tp++;
    else fp++;
    // Close a threshold group only after the last row sharing this score.
    if (k === n - 1 || p[order[k + 1]] !== p[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(p[i]);
    }
  }
  return { tps: Float64Array.from(tps), fps: Float64Array.from(fps), thresholds: Float64Array.from(thresholds) };
}

/** Average precision exactly as sklearn's average_precision_score: Σ (R_k - R_{k-1}) · P_k over distinct thresholds. */
export function prAuc(y: Uint8Array, p: Scores, order?: Int32Array): number {
  const { tps, fps } = thresholdCounts(y, p, order);
  const pos = tps.length > 0 ? tps[tps.length - 1] : 0;
  if (pos === 0) return NaN;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < tps.length; k++) {
    const recall = tps[k] / pos;
    const precision = tps[k] / (tps[k] + fps[k]);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/** Mean log loss with p clipped to [1e-15, 1 - 1e-15]. */
export function logLoss(y: Uint8Array, p: Scores, eps = 1e-15): number {
  const n = checkPair(y, p);
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(Math.max(p[i], eps), 1 - eps);
    total -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return total / n;
}

/** Brier score: mean squared difference between p and y. */
export function brier(y: Uint8Array, p: Scores): number {
  const n = checkPair(y, p);
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - y[i];
    total += d * d;
  }
  return total / n;
}

/** One equal-width probability bin of a reliability diagram. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** mean predicted probability in the bin (NaN when empty) */
  meanPredicted: number;
  /** observed positive rate in the bin (NaN when empty) */
  observedRate: number;
}

/**
 * Equal-width bins on [0, 1] as peer_sklearn.py's ece(): bin i holds edge_i <= p < edge_{i+1},
 * the last bin also holds p = 1; edges are i * (1 / bins) like np.linspace.
 */
export function reliabilityBins(y: Uint8Array, p: Scores, bins = 10): ReliabilityBin[] {
  const n = checkPair(y, p);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const step = 1 / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? 1 : i * step));
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const b = binOf(p[i], edges);
    if (b < 0) continue; // outside [0, 1]: peer's ece ignores it too
    count[b]++;
    sumP[b] += p[i];
    sumY[b] += y[i];
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: edges[b],
    upper: edges[b + 1],
    count: count[b],
    meanPredicted: count[b] > 0 ? sumP[b] / count[b] : NaN,
    observedRate: count[b] > 0 ? sumY[b] / count[b] : NaN,
  }));
}

function binOf(v: number, edges: number[]): number {
  const bins = edges.length - 1;
  if (!(v >= 0 && v <= 1)) return -1;
  // Guess from the value, then correct by at most one step against the exact float edges.
  let b = Math.min(bins - 1, Math.floor(v * bins));
  while (b > 0 && v < edges[b]) b--;
  while (b < bins - 1 && v >= edges[b + 1]) b++;
  return b;
}

/** Expected calibration error: Σ (bin share) · |observed rate - mean predicted| over 10 equal-width bins. */
export function ece(y: Uint8Array, p: Scores, bins = 10): number {
  const n = checkPair(y, p);
  if (n === 0) return NaN;
  let total = 0;
  for (const bin of reliabilityBins(y, p, bins)) {
    if (bin.count > 0) total += (bin.count / n) * Math.abs(bin.observedRate - bin.meanPredicted);
  }
  return total;
}

/** Number of rows in the top `frac` of n: ceil(frac·n), at least 1 (a tiny epsilon absorbs float noise like 0.1·30). */
function topCount(n: number, frac: number): number {
  if (!(frac > 0 && frac <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${frac}`);
  return Math.min(n, Math.max(1, Math.ceil(frac * n - 1e-9)));
}

/** Lift: conversion rate among the top `frac` rows by score divided by the base rate; ties keep row order. */
export function liftAt(y: Uint8Array, p: Scores, frac: number, order?: Int32Array): number {
  const n = checkPair(y, p);
  const pos = countPositives(y);
  if (n === 0 || pos === 0) return NaN;
  const k = topCount(n, frac);
  order ??= orderByScoreDesc(p);
  let hits = 0;
  for (let r = 0; r < k; r++) if (y[order[r]] === 1) hits++;
  return hits / k / (pos / n);
}

/** Cumulative gains: share of all positives captured in the top i/points of rows, for i = 0..points. */
export function cumulativeGains(
  y: Uint8Array,
  p: Scores,
  points = 10,
  order?: Int32Array,
): { fraction: number[]; gain: number[] } {
  const n = checkPair(y, p);
  if (!Number.isInteger(points) || points < 1) throw new RangeError(`points must be a positive integer, got ${points}`);
  const pos = countPositives(y);
  order ??= orderByScoreDesc(p);
  const hitsUpTo = new Float64Array(n + 1); // hitsUpTo[k] = positives among the first k rows
  for (let r = 0; r < n; r++) hitsUpTo[r + 1] = hitsUpTo[r] + (y[order[r]] === 1 ? 1 : 0);
  const fraction: number[] = [0];
  const gain: number[] = [0];
  for (let i = 1; i <= points; i++) {
    const f = i / points;
    fraction.push(f);
    gain.push(pos === 0 ? NaN : hitsUpTo[n === 0 ? 0 : topCount(n, f)] / pos);
  }
  return { fraction, gain };
}

/**
 * ROC curve as sklearn's roc_curve (drop_intermediate=false): (0,0) then one point per distinct score, downsampled to ≤
 * maxPoints.
 */
export function rocCurve(
  y: Uint8Array,
  p: Scores,
  maxPoints = 200,
  order?: Int32Array,
): { fpr: number[]; tpr: number[]; thresholds: number[] } {
  const { tps, fps, thresholds } = thresholdCounts(y, p, order);
  const m = tps.length;
  const pos = m > 0 ? tps[m - 1] : 0;
  const neg = m > 0 ? fps[m - 1] : 0;
  const fpr = [0];
  const tpr = [0];
  const thr = [Infinity];
  for (let k = 0; k < m; k++) {
    fpr.push(neg > 0 ? fps[k] / neg : NaN);
    tpr.push(pos > 0 ? tps[k] / pos : NaN);
    thr.push(thresholds[k]);
  }
  if (fpr.length <= maxPoints) return { fpr, tpr, thresholds: thr };
  if (maxPoints < 2) throw new RangeError(`maxPoints must be at least 2, got ${maxPoints}`);
  // Evenly spaced picks that always keep the first and last points.
  const keep = Array.from({ length: maxPoints }, (_, i) => Math.round((i * (fpr.length - 1)) / (maxPoints - 1)));
  return { fpr: keep.map((i) => fpr[i]), tpr: keep.map((i) => tpr[i]), thresholds: keep.map((i) => thr[i]) };
}

/** Quantile of sorted values with linear interpolation (numpy's default 'linear' method). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Population stability index of `actual` against `expected`: Σ (a - e) · ln(a / e) over bins cut at
 * the quantiles of `expected` (duplicate cut points merged; bins are right-closed: v <= cut).
 * Empty bins count as a share of `epsilon` so the log stays finite.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, bins = 10, epsilon = 1e-4): number {
  if (expected.length === 0 || actual.length === 0) return NaN;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sorted = Float64Array.from(expected).sort();
  const cuts: number[] = [];
  for (let i = 1; i < bins; i++) {
    const c = quantileSorted(sorted, i / bins);
    if (cuts.length === 0 || c > cuts[cuts.length - 1]) cuts.push(c);
  }
  const shares = (values: ArrayLike<number>): Float64Array => {
    const counts = new Float64Array(cuts.length + 1);
    // the number of cuts strictly below v is the index of v's right-closed bin
    for (let i = 0; i < values.length; i++) counts[lowerBound(cuts, values[i])]++;
    for (let b = 0; b < counts.length; b++) counts[b] = Math.max(counts[b] / values.length, epsilon);
    return counts;
  };
  const e = shares(expected);
  const a = shares(actual);
  let total = 0;
  for (let b = 0; b < e.length; b++) total += (a[b] - e[b]) * Math.log(a[b] / e[b]);
  return total;
}

/** The headline metrics in one object, keyed as the reports and peer_sklearn.py name them. */
export interface MetricSummary {
  auc: number;
  pr_auc: number;
  logloss: number;
  brier: number;
  ece: number;
  lift_at_10pct: number;
}

/** All headline metrics for one set of predictions. */
export function summarize(y: Uint8Array, p: Scores): MetricSummary {
  return {
    auc: rocAuc(y, p),
    pr_auc: prAuc(y, p),
    logloss: logLoss(y, p),
    brier: brier(y, p),
    ece: ece(y, p),
    lift_at_10pct: liftAt(y, p, 0.1),
  };
}
