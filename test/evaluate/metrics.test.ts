import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  brier,
  cumulativeGains,
  ece,
  liftAt,
  logLoss,
  orderByScoreDesc,
  prAuc,
  psi,
  reliabilityBins,
  rocAuc,
  rocCurve,
  summarize,
} from '../../src/evaluate/index.ts';
import { mulberry32 } from '../../src/models/random.ts';

const u8 = (a: number[]) => Uint8Array.from(a);
const f64 = (a: number[]) => Float64Array.from(a);

/** Brute-force AUC over all positive/negative pairs, ties counting one half: an independent definition. */
function pairwiseAuc(y: Uint8Array, p: Float64Array): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it('matches the scikit-learn documentation example (0.75)', () => {
    expect(rocAuc(u8([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
  });

  it('counts tied positive/negative pairs as one half (hand count: 3 of 6 pairs -> 0.5)', () => {
    // pairs (pos, neg): (.9,.9)=.5 (.9,.3)=1 (.5,.9)=0 (.5,.3)=1 (.3,.9)=0 (.3,.3)=.5
    expect(rocAuc(u8([1, 0, 1, 0, 1]), f64([0.9, 0.9, 0.5, 0.3, 0.3]))).toBeCloseTo(0.5, 12);
    expect(rocAuc(u8([1, 0, 1, 0]), f64([0.5, 0.5, 0.5, 0.5]))).toBeCloseTo(0.5, 12);
  });

  it('agrees with the pairwise definition on random data with many ties', () => {
    const rnd = mulberry32(11);
    const n = 400;
    const y = new Uint8Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rnd() < 0.3 ? 1 : 0;
      p[i] = Math.round((rnd() + y[i] * 0.3) * 10) / 10; // coarse grid: lots of ties
    }
    expect(rocAuc(y, p)).toBeCloseTo(pairwiseAuc(y, p), 12);
  });

  it('is NaN with a single class', () => {
    expect(rocAuc(u8([1, 1]), f64([0.2, 0.3]))).toBeNaN();
  });

  it('averageRanks gives tied values their mean rank', () => {
    expect(Array.from(averageRanks([3, 1, 3, 2, 3]))).toEqual([4, 1, 4, 2, 4]);
  });
});

describe('metrics given the order already sorted', () => {
  it('are the same to the last bit as each metric sorting on its own, ties and all', () => {
    const r = mulberry32(9);
    const n = 3000;
    const y = Uint8Array.from({ length: n }, () => (r() < 0.2 ? 1 : 0));
    // integer points (many ties, and -0 beside 0) and continuous probabilities
    const points = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? -0 : Math.round(r() * 40 - 5)));
    const probability = Float64Array.from({ length: n }, () => r());
    for (const p of [points, probability]) {
      const order = orderByScoreDesc(p);
      expect(Array.from(averageRanks(p, order))).toEqual(Array.from(averageRanks(p)));
      expect(Object.is(rocAuc(y, p, order), rocAuc(y, p))).toBe(true);
      expect(Object.is(prAuc(y, p, order), prAuc(y, p))).toBe(true);
      for (const f of [0.05, 0.1, 0.2]) expect(Object.is(liftAt(y, p, f, order), liftAt(y, p, f))).toBe(true);
      expect(cumulativeGains(y, p, 100, order)).toEqual(cumulativeGains(y, p, 100));
      expect(rocCurve(y, p, 200, order)).toEqual(rocCurve(y, p, 200));
    }
  });
});

describe('prAuc (average precision)', () => {
  it('matches the scikit-learn documentation example (0.8333)', () => {
    // desc: .8(+) P=1 R=.5; .4(-); .35(+) P=2/3 R=1 -> .5*1 + .5*2/3
    expect(prAuc(u8([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(5 / 6, 12);
  });

  it('treats a tied score as one threshold (hand: (1/2 + 2/3 + 3/5)/3 = 53/90)', () => {
    expect(prAuc(u8([1, 0, 1, 0, 1]), f64([0.9, 0.9, 0.5, 0.3, 0.3]))).toBeCloseTo(53 / 90, 12);
  });

  it('is the positive rate when all scores tie', () => {
    expect(prAuc(u8([1, 0, 0, 0]), f64([0.5, 0.5, 0.5, 0.5]))).toBeCloseTo(0.25, 12);
  });
});

describe('logLoss and brier', () => {
  it('matches the scikit-learn log_loss documentation example', () => {
    expect(logLoss(u8([1, 0, 0, 1]), f64([0.9, 0.1, 0.2, 0.65]))).toBeCloseTo(0.21616187468057912, 12);
  });

  it('clips certain-and-wrong predictions to 1e-15', () => {
    expect(logLoss(u8([1]), f64([0]))).toBeCloseTo(34.538776394910684, 9);
    // 1 - 1e-15 rounds to 1 - 1.11e-15 in binary, so the other side's cap is -ln(1.11e-15)
    expect(logLoss(u8([0]), f64([1]))).toBeCloseTo(-Math.log(1 - (1 - 1e-15)), 9);
    expect(Number.isFinite(logLoss(u8([0, 1]), f64([1, 0])))).toBe(true);
  });

  it('brier matches the scikit-learn documentation example (0.0375)', () => {
    expect(brier(u8([0, 1, 1, 0]), f64([0.1, 0.9, 0.8, 0.3]))).toBeCloseTo(0.0375, 12);
  });
});

describe('ece and reliabilityBins', () => {
  it('weights each bin gap by its share of rows (hand: .2*.05 + .4*.875 + .4*.475 = .55)', () => {
    expect(ece(u8([0, 1, 1, 0, 1]), f64([0.05, 0.15, 0.1, 0.95, 1.0]))).toBeCloseTo(0.55, 12);
  });

  it('uses np.linspace edges: 0.3, 0.6 and 0.7 fall below edges 3, 6 and 7 (which are a hair above)', () => {
    const bins = reliabilityBins(u8([0, 0, 0, 0]), f64([0.3, 0.6, 0.7, 1]));
    expect(bins.map((b) => b.count)).toEqual([0, 0, 1, 0, 0, 1, 1, 0, 0, 1]);
    expect(bins[9].meanPredicted).toBe(1);
    expect(bins[0].meanPredicted).toBeNaN();
  });

  it('is 0 for perfectly calibrated bins', () => {
    expect(ece(u8([1, 0, 0, 1]), f64([0.5, 0.5, 0.55, 0.55]))).toBeCloseTo(0.025, 12);
    expect(ece(u8([1, 0]), f64([0.5, 0.5]))).toBe(0);
  });
});

describe('liftAt and cumulativeGains', () => {
  const y = u8([1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  const p = f64([0.9, 0.9, 0.9, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05]);

  it('breaks ties by row order: top 20% = rows 0 and 1 -> rate .5 / base .3', () => {
    expect(liftAt(y, p, 0.2)).toBeCloseTo(0.5 / 0.3, 12);
    expect(liftAt(y, p, 0.1)).toBeCloseTo(1 / 0.3, 12);
    expect(liftAt(y, p, 1)).toBeCloseTo(1, 12);
  });

  it('gains count positives captured in the top fraction', () => {
    const g = cumulativeGains(y, p, 5);
    expect(g.fraction).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // order: rows 0,1 | 2,3 | 4,5 | 6,7 | 8,9
    expect(g.gain.map((v) => Number(v.toFixed(12)))).toEqual(
      [0, 1 / 3, 2 / 3, 2 / 3, 2 / 3, 1].map((v) => Number(v.toFixed(12))),
    );
  });
});

describe('rocCurve', () => {
  it('matches sklearn roc_curve(drop_intermediate=False) on the documentation example', () => {
    const c = rocCurve(u8([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]));
    expect(c.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(c.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(c.thresholds.slice(1)).toEqual([0.8, 0.4, 0.35, 0.1]);
  });

  it('downsamples to at most maxPoints, keeping both ends', () => {
    const n = 5000;
    const rnd = mulberry32(3);
    const y = Uint8Array.from({ length: n }, () => (rnd() < 0.4 ? 1 : 0));
    const p = Float64Array.from(y, (v) => rnd() + v * 0.2);
    const c = rocCurve(y, p, 200);
    expect(c.fpr.length).toBe(200);
    expect([c.fpr[0], c.tpr[0]]).toEqual([0, 0]);
    expect([c.fpr[199], c.tpr[199]]).toEqual([1, 1]);
    for (let i = 1; i < 200; i++) expect(c.fpr[i]).toBeGreaterThanOrEqual(c.fpr[i - 1]);
  });
});

describe('psi', () => {
  const expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('is 0 for the same distribution', () => {
    expect(psi(expected, expected)).toBeCloseTo(0, 12);
  });

  it('matches a hand computation with a median cut (shares .5/.5 vs .75/.25)', () => {
    const hand = 0.25 * Math.log(0.75 / 0.5) + -0.25 * Math.log(0.25 / 0.5);
    expect(psi(expected, [1, 1, 1, 10], 2)).toBeCloseTo(hand, 12);
    expect(hand).toBeCloseTo(0.274653, 6);
  });

  it('uses epsilon for an empty bin', () => {
    const hand = 0.5 * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5);
    expect(psi(expected, [1, 2], 2)).toBeCloseTo(hand, 12);
  });
});

describe('summarize', () => {
  it('returns the headline metrics under their report names', () => {
    const s = summarize(u8([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]));
    expect(Object.keys(s).sort()).toEqual(['auc', 'brier', 'ece', 'lift_at_10pct', 'logloss', 'pr_auc']);
    expect(s.auc).toBeCloseTo(0.75, 12);
    expect(s.pr_auc).toBeCloseTo(5 / 6, 12);
    expect(s.lift_at_10pct).toBeCloseTo(2, 12); // top 1 row (0.8) is positive; base rate .5
  });
});
