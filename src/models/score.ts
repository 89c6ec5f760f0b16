/** From calibrated probability to what sales sees: a 0-100 score, a batch percentile and a band. */
import { lowerBound, upperBound } from '../numeric.ts';

/** The 0-100 score: round(100 · p), so 37 means about 37 in 100 such leads convert. */
export function scoreFromProbability(p: number): number {
  return Math.round(100 * p);
}

/**
 * Rank percentile within the batch, 0-100: 100 · (average rank - 1) / (n - 1), so the lowest
 * score gets 0, the highest 100 and ties share one value. A batch of one gets 100.
 */
export function percentiles(p: ArrayLike<number>): Float64Array {
  const n = p.length;
  const out = new Float64Array(n);
  if (n === 1) out[0] = 100;
  if (n <= 1) return out;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => p[a] - p[b] || a - b);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && p[idx[end]] === p[idx[start]]) end++;
    const value = (100 * ((start + end - 1) / 2)) / (n - 1); // average 0-based rank of the tie group
    for (let k = start; k < end; k++) out[idx[k]] = value;
    start = end;
  }
  return out;
}

/** A named band and the lowest score that earns it. */
export interface BandThreshold {
  name: string;
  min: number;
}

/** Default bands: hot >= 50, warm >= 20, cold otherwise. */
export const DEFAULT_BANDS: readonly BandThreshold[] = [
  { name: 'hot', min: 50 },
  { name: 'warm', min: 20 },
  { name: 'cold', min: -Infinity },
];

/** The band of a score: the highest threshold it reaches (or the lowest band if it reaches none). */
export function bandFor(score: number, thresholds: readonly BandThreshold[] = DEFAULT_BANDS): string {
  if (thresholds.length === 0) throw new RangeError('bandFor needs at least one band');
  let best: BandThreshold | undefined;
  let lowest = thresholds[0];
  for (const t of thresholds) {
    if (score >= t.min && (!best || t.min > best.min)) best = t;
    if (t.min < lowest.min) lowest = t;
  }
  return (best ?? lowest).name;
}

/** Resolved score cut-offs as the ordered band list bandFor takes: hot, warm, cold. */
export function bandThresholds(bands: { hot: number; warm: number }): BandThreshold[] {
  return [
    { name: 'hot', min: bands.hot },
    { name: 'warm', min: bands.warm },
    { name: 'cold', min: -Infinity },
  ];
}

/**
 * Turn band thresholds ("top 5%" or a score) into scores, using reference probabilities (the test
 * split's calibrated probabilities at training time).
 */
export function resolveBands(
  bands: { hot: number | string; warm: number | string },
  probabilities: Float64Array,
): { hot: number; warm: number } {
  const scores = Array.from(probabilities, (p) => Math.round(100 * p)).sort((a, b) => b - a);
  const resolve = (t: number | string): number => {
    if (typeof t === 'number') return t;
    const share = Number(/^top (\d+(?:\.\d+)?)%$/.exec(t)![1]) / 100;
    const k = Math.min(scores.length - 1, Math.max(0, Math.ceil(share * scores.length) - 1));
    return Math.max(1, scores[k] ?? 1); // a band needs a score above 0 to mean anything
  };
  const hot = resolve(bands.hot);
  const warm = Math.min(resolve(bands.warm), hot);
  return { hot: hot === warm ? hot + 1 : hot, warm };
}

/** Evenly spaced quantiles (count points from min to max) of a sample. */
export function quantiles(values: Float64Array, count: number): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return [];
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(sorted[Math.round((k / (count - 1)) * (sorted.length - 1))]);
  return out;
}

/**
 * Percentile (0-100) of each probability against a sorted reference distribution (mid-rank for ties):
 * a lead's percentile does not depend on which batch or shard it was scored in.
 */
export function referencePercentiles(p: Float64Array, reference: readonly number[]): Float64Array {
  const out = new Float64Array(p.length);
  const n = reference.length;
  if (n === 0) return out.fill(NaN);
  for (let i = 0; i < p.length; i++) {
    const below = lowerBound(reference, p[i]);
    const atOrBelow = upperBound(reference, p[i]);
    out[i] = Math.round((1000 * (below + atOrBelow)) / (2 * n)) / 10;
  }
  return out;
}
