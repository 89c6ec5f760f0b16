import { describe, expect, it } from 'vitest';
import { bootstrapIntervals, overlaps, replicateValues, weightedMetrics } from '../../src/evaluate/bootstrap.ts';
import { metricSet, reliabilityPoints } from '../../src/evaluate/comparison.ts';
import { brier, ece, logLoss, prAuc, rocAuc } from '../../src/evaluate/metrics.ts';
import { mulberry32 } from '../../src/random.ts';

function data(n: number, seed: number, signal: number) {
  const r = mulberry32(seed);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  const points = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = r() * 2 - 1;
    y[i] = r() < 0.05 + 0.1 * signal * (z + 1) ? 1 : 0;
    p[i] = Math.min(0.99, Math.max(0.001, 0.05 + 0.1 * (z + 1) + 0.02 * (r() - 0.5)));
    points[i] = Math.round(50 + 30 * z + 20 * (r() - 0.5)); // many ties
  }
  return { y, p, points };
}

describe('bootstrap intervals', () => {
  it('a replicate is measured exactly as the metrics on its leads listed out', () => {
    const { y, p, points } = data(400, 1, 1);
    const r = mulberry32(5);
    const w = new Int32Array(400);
    for (let k = 0; k < 400; k++) w[Math.floor(r() * 400)]++;
    const idx: number[] = [];
    w.forEach((c, i) => {
      for (let k = 0; k < c; k++) idx.push(i);
    });
    const yy = Uint8Array.from(idx, (i) => y[i]);
    for (const rank of [p, points]) {
      const got = weightedMetrics(y, { rank, probability: p }, w);
      const rr = Float64Array.from(idx, (i) => rank[i]);
      const pp = Float64Array.from(idx, (i) => p[i]);
      const want = metricSet(yy, pp, rr);
      expect(got.auc).toBeCloseTo(rocAuc(yy, rr), 12);
      expect(got.pr_auc).toBeCloseTo(prAuc(yy, rr), 12);
      expect(got.ece).toBeCloseTo(ece(yy, pp), 12);
      expect(got.brier).toBeCloseTo(brier(yy, pp), 12);
      expect(got.logloss).toBeCloseTo(logLoss(yy, pp), 12);
      for (const m of ['lift_at_5pct', 'lift_at_10pct', 'lift_at_20pct', 'gains_at_5pct', 'gains_at_20pct'] as const)
        expect(got[m]).toBeCloseTo(want[m], 12);
    }
  });

  it('a replicate whose counts overflow a byte is counted again in 32 bits, to the same values', () => {
    const { y, p, points } = data(500, 4, 1);
    const scores = { rules: { rank: points, probability: p }, predictive: { rank: p, probability: p } };
    const opts = { seed: 11, mql: Float64Array.from(points, (v) => (v > 55 ? 1 : 0)) };
    const bytes = replicateValues(y, scores, opts, 3, 9);
    // a cap of 1: every replicate has a lead drawn twice, so every one takes the 32-bit path
    const wide = replicateValues(y, scores, opts, 3, 9, 1);
    expect(wide).toEqual(bytes);
    expect(bytes.metrics[1].auc).toHaveLength(6);
    // and the replicates are those of one run from replicate 0
    const all = replicateValues(y, scores, opts, 0, 9);
    expect(all.metrics[1].auc.slice(3)).toEqual(bytes.metrics[1].auc);
    expect(all.ratios.slice(3)).toEqual(bytes.ratios);
  });

  it('are seeded, cover the estimate and narrow with more leads', () => {
    const small = data(800, 2, 1);
    const scores = (d: ReturnType<typeof data>) => ({
      rules: { rank: d.points, probability: d.p },
      predictive: { rank: d.p, probability: d.p },
    });
    const a = bootstrapIntervals(small.y, scores(small), { seed: 7, replicates: 200 });
    const b = bootstrapIntervals(small.y, scores(small), { seed: 7, replicates: 200 });
    expect(b).toEqual(a);
    expect(bootstrapIntervals(small.y, scores(small), { seed: 8, replicates: 200 })).not.toEqual(a);
    const auc = rocAuc(small.y, small.p);
    const [lo, hi] = a.scores.predictive.auc;
    expect(lo).toBeLessThan(auc);
    expect(hi).toBeGreaterThan(auc);
    const big = data(8000, 3, 1);
    const c = bootstrapIntervals(big.y, scores(big), { seed: 7, replicates: 200 });
    const width = (i: [number, number]) => i[1] - i[0];
    expect(width(c.scores.predictive.auc)).toBeLessThan(width(a.scores.predictive.auc) / 2);
    expect(overlaps([0, 1], [1, 2])).toBe(true);
    expect(overlaps([0, 1], [1.01, 2])).toBe(false);
  });
});

describe('reliability bins', () => {
  it('hold equal shares of the leads, keep ties together, and leave no bin a handful after a large tie', () => {
    // 40% of the leads share one prediction (no rule points), the rest are spread out
    const n = 5000;
    const r = mulberry32(3);
    const p = Float64Array.from({ length: n }, (_, i) => (i < 2000 ? 0.001 : 0.002 + 0.08 * r()));
    const y = Uint8Array.from(p, (q) => (r() < q ? 1 : 0));
    const bins = reliabilityPoints(y, p);
    expect(bins[0].count).toBe(2000);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(n);
    for (const b of bins.slice(1)) expect(b.count).toBeGreaterThan(250);
    for (const b of bins) {
      expect(b.lower!).toBeLessThanOrEqual(b.observed_rate);
      expect(b.upper!).toBeGreaterThanOrEqual(b.observed_rate);
    }
    // means increase bin by bin
    for (let k = 1; k < bins.length; k++) expect(bins[k].mean_predicted).toBeGreaterThan(bins[k - 1].mean_predicted);
  });
});
