import { describe, expect, it } from 'vitest';
import { rankFactors, reasonObjects, reasonPhrases, reasonsJson } from '../../src/models/reasons.ts';
import { mulberry32 } from '../../src/models/random.ts';

const factors = ['industry', 'visits', 'emails', 'title'];
// rows x factors contributions
const values = Float64Array.from([0.75, 1.0, -0.3, -0.1, -0.4, 0.0, 0.6, 0.0]);

describe('rankFactors', () => {
  it('keeps the top k up and down factors, merged strongest first, each factor once', () => {
    const r = rankFactors({ values, rows: 2, factors, k: 2 });
    expect(r.slots).toBe(4);
    const row = (i: number) =>
      Array.from(r.ids.subarray(i * 4, i * 4 + 4))
        .filter((f) => f >= 0)
        .map((f, s) => [r.factors[f], r.weights[i * 4 + s]]);
    expect(row(0)).toEqual([
      ['visits', 1.0],
      ['industry', 0.75],
      ['emails', -0.3],
      ['title', -0.1],
    ]);
    // row 1: visits and title are zero -> no reason; strongest first across directions
    expect(row(1)).toEqual([
      ['emails', 0.6],
      ['industry', -0.4],
    ]);
  });

  it('matches a naive sort on random data, and respects minAbsWeight', () => {
    const rnd = mulberry32(9);
    const rows = 300;
    const names = Array.from({ length: 9 }, (_, j) => `f${j}`);
    const v = Float64Array.from({ length: rows * names.length }, () => rnd() * 2 - 1);
    const k = 3;
    const floor = 0.2;
    const r = rankFactors({ values: v, rows, factors: names, k, minAbsWeight: floor });
    for (let i = 0; i < rows; i++) {
      const totals = names.map((n, f) => [n, v[i * names.length + f]] as [string, number]);
      const up = totals
        .filter(([, w]) => w > floor)
        .sort((a, b) => b[1] - a[1])
        .slice(0, k);
      const down = totals
        .filter(([, w]) => w < -floor)
        .sort((a, b) => a[1] - b[1])
        .slice(0, k);
      const want = [...up, ...down].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).map(([n]) => n);
      const got = Array.from(r.ids.subarray(i * 2 * k, (i + 1) * 2 * k))
        .filter((f) => f >= 0)
        .map((f) => r.factors[f]);
      expect(got).toEqual(want);
      expect(new Set(got).size).toBe(got.length);
    }
  });
});

describe('reason phrases', () => {
  it('carry factor, direction, text and weight; equal keys share a phrase; objects agree with the JSON', () => {
    const r = rankFactors({ values, rows: 2, factors, k: 2 });
    let made = 0;
    const raw: Record<string, unknown[]> = { industry: ['software', 'retail'], visits: [12, 0], emails: [0, 4] };
    const source = {
      text: (f: number, i: number) => {
        made++;
        return `${factors[f]} is ${String(raw[factors[f]]?.[i] ?? 'n/a')}`;
      },
      key: (f: number, i: number) => String(raw[factors[f]]?.[i]),
    };
    const p = reasonPhrases(r, 2, source);
    const json = reasonsJson(p, 2);
    const objects = reasonObjects(r, 2, source).map((rs) =>
      rs.map((x) => ({ ...x, weight: Math.round(x.weight * 1e4) / 1e4 })),
    );
    expect(json.map((j) => JSON.parse(j))).toEqual(objects);
    expect(json.map((j) => JSON.stringify(JSON.parse(j)))).toEqual(json);
    expect(JSON.parse(json[0])[0]).toEqual({ factor: 'visits', direction: 'up', text: 'visits is 12', weight: 1 });
    expect(JSON.parse(json[1]).map((x: { direction: string }) => x.direction)).toEqual(['up', 'down']);
    // 6 reasons, 6 distinct (factor, direction, key): every text made once
    expect(made).toBe(6 + 6);
    const again = reasonPhrases(
      rankFactors({ values: Float64Array.from([...values, ...values]), rows: 4, factors, k: 2 }),
      4,
      {
        text: (f, i) => source.text(f, i % 2),
        key: (f, i) => source.key(f, i % 2),
      },
    );
    expect(again.phrases.length).toBe(6);
  });
});
