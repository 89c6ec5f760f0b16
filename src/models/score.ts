/** From calibrated probability to what sales sees: a 0-100 score, a batch percentile and a band. */

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
