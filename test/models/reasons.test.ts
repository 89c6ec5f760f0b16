import { describe, expect, it } from 'vitest';
import { explainRows, rankLinearReasons, rankReasons } from '../../src/models/reasons.ts';
import { mulberry32 } from '../../src/models/random.ts';

const columnFeature = ['industry', 'industry', 'visits', 'emails', 'title'];
// rows x cols contributions; one-hot 'industry=...' columns sum into 'industry'
const contributions = Float64Array.from([
  // industry=software, industry=retail, visits, emails, title
  0.5, 0.25, 1.0, -0.3, -0.1, -0.2, -0.2, 0.0, 0.6, 0.0,
]);

describe('rankReasons', () => {
  it('groups one-hot columns and ranks up and down by strength', () => {
    const r = rankReasons({ contributions, rows: 2, cols: 5, columnFeature, k: 2 });
    expect(r.features).toEqual(['industry', 'visits', 'emails', 'title']);
    expect(Array.from(r.up.subarray(0, 2)).map((f) => r.features[f])).toEqual(['visits', 'industry']);
    expect(Array.from(r.upWeight.subarray(0, 2))).toEqual([1.0, 0.75]);
    expect(Array.from(r.down.subarray(0, 2)).map((f) => r.features[f])).toEqual(['emails', 'title']);
    // row 1: one up (emails), one down (industry = -0.4), visits and title are zero -> no reason
    expect(Array.from(r.up.subarray(2, 4))).toEqual([2, -1]);
    expect(Array.from(r.down.subarray(2, 4))).toEqual([0, -1]);
    expect(r.downWeight[2]).toBeCloseTo(-0.4, 12);
  });

  it('matches a naive sort on random data', () => {
    const rnd = mulberry32(9);
    const rows = 300;
    const cols = 12;
    const feat = Array.from({ length: cols }, (_, j) => `f${j % 7}`);
    const c = Float64Array.from({ length: rows * cols }, () => rnd() * 2 - 1);
    const k = 3;
    const r = rankReasons({ contributions: c, rows, cols, columnFeature: feat, k });
    for (let i = 0; i < rows; i++) {
      const totals = new Map<string, number>();
      for (let j = 0; j < cols; j++) totals.set(feat[j], (totals.get(feat[j]) ?? 0) + c[i * cols + j]);
      const sorted = [...totals.entries()].sort((a, b) => b[1] - a[1]);
      const upNames = sorted
        .filter(([, w]) => w > 0)
        .slice(0, k)
        .map(([n]) => n);
      const downNames = sorted
        .filter(([, w]) => w < 0)
        .reverse()
        .slice(0, k)
        .map(([n]) => n);
      const got = (ids: Int32Array) =>
        Array.from(ids.subarray(i * k, i * k + k))
          .filter((f) => f >= 0)
          .map((f) => r.features[f]);
      expect(got(r.up)).toEqual(upNames);
      expect(got(r.down)).toEqual(downNames);
    }
  });
});

describe('rankLinearReasons', () => {
  it('ranks exactly as rankReasons on the products coef_j * x_ij (float32 matrix, ties and zeros included)', () => {
    const rand = mulberry32(7);
    const rows = 500;
    const cols = 9;
    const feature = ['a', 'a', 'a', 'b', 'c', 'c', 'd', 'e', 'f'];
    const x = Float32Array.from({ length: rows * cols }, () => (rand() < 0.3 ? 0 : Math.round((rand() - 0.5) * 8) / 2));
    const coef = Float64Array.from({ length: cols }, () => rand() - 0.5);
    const products = Float64Array.from(x, (v, k) => coef[k % cols] * v);
    const a = rankReasons({ contributions: products, rows, cols, columnFeature: feature, k: 3, minAbsWeight: 0.05 });
    const b = rankLinearReasons({ x, coef, rows, cols, columnFeature: feature, k: 3, minAbsWeight: 0.05 });
    expect(b).toEqual(a);
    expect(Array.from(a.up).filter((f) => f >= 0).length).toBeGreaterThan(rows); // not a vacuous comparison
    expect(() => rankLinearReasons({ x, coef: coef.subarray(1), rows, cols, columnFeature: feature })).toThrow(
      /coef has 8 values/,
    );
  });
});

describe('explainRows', () => {
  it('words each reason with the caller’s describe() and the row’s raw value', () => {
    const out = explainRows({
      contributions,
      rows: 2,
      cols: 5,
      columnFeature,
      k: 1,
      rawValues: { industry: ['software', 'retail'], visits: [12, 0], emails: [0, 4], title: ['intern', 'cto'] },
      describe: (feature, raw) => `${feature} = ${String(raw)}`,
    });
    expect(out[0]).toEqual([
      { feature: 'visits', direction: 'up', weight: 1.0, text: 'visits = 12' },
      { feature: 'emails', direction: 'down', weight: -0.3, text: 'emails = 0' },
    ]);
    expect(out[1].map((r) => r.text)).toEqual(['emails = 4', 'industry = retail']);
  });

  it('respects minAbsWeight', () => {
    const out = explainRows({
      contributions,
      rows: 2,
      cols: 5,
      columnFeature,
      k: 3,
      minAbsWeight: 0.5,
      describe: (f) => f,
    });
    expect(out[0].map((r) => r.feature)).toEqual(['visits', 'industry']);
    expect(out[1].map((r) => r.feature)).toEqual(['emails']);
  });
});
