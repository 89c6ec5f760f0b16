import { describe, expect, it } from 'vitest';
import { denseMatrix, type DenseMatrix } from '../../src/schema/matrix.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { GBDT_KIND, GradientBoosting, pooledBestIteration, type GbdtJSON } from '../../src/models/gbdt.ts';
import { treeFeatures } from '../../src/models/gbdt-data.ts';
import { meanLogLoss } from '../../src/numeric.ts';

const LEVELS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/**
 * n rows encoded as the encoders do: a numeric column x, its quantile-bin indicators, and a one-hot
 * categorical `city` (8 levels + <other> + <missing>); the label depends on x and on whether the city
 * is one of a, c, e, g (a grouping no single level-vs-rest split captures).
 */
function problem(n: number, seed: number): { X: DenseMatrix; y: Uint8Array } {
  const r = mulberry32(seed);
  const cityCols = [...LEVELS, '<other>', '<missing>'].map((l) => `city=${l}`);
  const columns = ['x', 'x#bin0', 'x#bin1', ...cityCols, 'noise'];
  const d = columns.length;
  const data = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = r() * 4 - 2;
    const level = Math.floor(r() * 10);
    data[i * d] = x;
    data[i * d + (x < 0 ? 1 : 2)] = 1;
    data[i * d + 3 + level] = 1;
    data[i * d + d - 1] = r();
    const z = 0.8 * x + (level < 8 && level % 2 === 0 ? 1.5 : -1.5);
    y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: denseMatrix(data, n, d, columns), y };
}

describe('tree features', () => {
  it('reads one-hot groups as categoricals, skips bin indicators, keeps the rest numeric', () => {
    const { X } = problem(300, 1);
    expect(treeFeatures(X)).toEqual([
      { name: 'x', kind: 'numeric', column: 0 },
      { name: 'city', kind: 'categorical', columns: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
      { name: 'noise', kind: 'numeric', column: 13 },
    ]);
    // 'onehot' keeps every level column as its own 0/1 feature
    expect(treeFeatures(X, false).filter((f) => f.kind === 'categorical')).toEqual([]);
    // a run that is not one-hot on the data stays numeric
    const broken = { ...X, data: X.data.slice() };
    broken.data[3] = 0.5;
    expect(treeFeatures(broken).some((f) => f.kind === 'categorical')).toBe(false);
  });
});

describe('GradientBoosting', () => {
  const train = problem(3000, 2);
  const test = problem(2000, 3);

  it('splits a categorical natively into groups of levels, and beats the one-hot trees with few trees', () => {
    const params = { maxIter: 20, learningRate: 0.3, maxLeafNodes: 4, validationFraction: 0 };
    const native = new GradientBoosting(params).fit(train.X, train.y);
    const onehot = new GradientBoosting({ ...params, categorical: 'onehot' }).fit(train.X, train.y);
    const groupSplits = native.state!.trees.flatMap((t) =>
      t.categories.filter((bits, k) => t.feature[k] >= 0 && bits.length > 0),
    );
    expect(groupSplits.length).toBeGreaterThan(0);
    // the first tree's categorical split puts a, c, e, g (levels 0, 2, 4, 6) on one side
    const first = groupSplits[0][0];
    const left = LEVELS.map((_, l) => (first >>> l) & 1);
    expect(new Set([left[0], left[2], left[4], left[6]]).size).toBe(1);
    expect(new Set([left[1], left[3], left[5], left[7]]).size).toBe(1);
    expect(left[0]).not.toBe(left[1]);
    const loss = (m: GradientBoosting) => meanLogLoss(test.y, m.predictProba(test.X));
    expect(loss(native)).toBeLessThan(loss(onehot));
  });

  it('documents its trees for TreeSHAP: node arrays, cover and count that add up', () => {
    const m = new GradientBoosting({ maxIter: 5, validationFraction: 0, rowSubsample: 0.7 }).fit(train.X, train.y);
    const json = JSON.parse(JSON.stringify(m.toJSON())) as GbdtJSON;
    expect(json.state.features.map((f) => f.name)).toEqual(['x', 'city', 'noise']);
    for (const t of json.state.trees) {
      const nodes = t.feature.length;
      for (const key of ['threshold', 'categories', 'left', 'right', 'value', 'cover', 'count'] as const) {
        expect(t[key]).toHaveLength(nodes);
      }
      expect(t.count[0]).toBe(3000); // every training row reaches the root, sampled or not
      for (let k = 0; k < nodes; k++) {
        if (t.feature[k] < 0) continue;
        expect(t.count[t.left[k]] + t.count[t.right[k]]).toBe(t.count[k]);
        expect(t.cover[t.left[k]] + t.cover[t.right[k]]).toBeCloseTo(t.cover[k], 9);
      }
    }
  });

  it('same seed, same bits; subsampling follows the seed; JSON round trip predicts identically', () => {
    const params = { maxIter: 30, rowSubsample: 0.8, colSubsample: 0.67, validationFraction: 0.1 };
    const a = new GradientBoosting({ ...params, seed: 1 }).fit(train.X, train.y);
    const b = new GradientBoosting({ ...params, seed: 1 }).fit(train.X, train.y);
    const c = new GradientBoosting({ ...params, seed: 2 }).fit(train.X, train.y);
    const p = Array.from(a.predictProba(test.X));
    expect(Array.from(b.predictProba(test.X))).toEqual(p);
    expect(Array.from(c.predictProba(test.X))).not.toEqual(p);
    const back = GradientBoosting.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(back.predictProba(test.X))).toEqual(p);
  });

  it('stops early on held-out rows, keeps every tree grown, and truncates to any count', () => {
    const m = new GradientBoosting({ maxIter: 400, learningRate: 0.3, nIterNoChange: 10 }).fit(train.X, train.y, {
      heldOut: test,
    });
    const curve = m.heldOutCurve!;
    expect(m.iterations).toBe(curve.length);
    expect(m.iterations).toBeLessThan(400);
    const best = m.state!.validation!.bestIteration;
    expect(m.iterations - best).toBe(10);
    const cut = m.truncated(best);
    expect(meanLogLoss(test.y, cut.predictProba(test.X))).toBeCloseTo(curve[best - 1], 12);
  });

  it('the folds share one tree count: the lowest pooled held-out loss', async () => {
    const a = problem(1500, 4);
    const b = problem(1500, 5);
    const params = { maxIter: 300, learningRate: 0.3, nIterNoChange: 15 };
    const fits = [
      new GradientBoosting(params).fit(a.X, a.y, { heldOut: b }),
      new GradientBoosting(params).fit(b.X, b.y, { heldOut: a }),
    ];
    const t = pooledBestIteration(fits);
    const pooled = (k: number) => fits[0].heldOutCurve![k - 1] + fits[1].heldOutCurve![k - 1];
    const reach = Math.min(fits[0].iterations, fits[1].iterations);
    for (let k = 1; k <= reach; k++) expect(pooled(t)).toBeLessThanOrEqual(pooled(k));
    const settled = GBDT_KIND.settle!(fits);
    expect(settled.tunings).toEqual(fits.map((f) => ({ iterations: t, work: f.grown })));
    // the final fit grows that many trees (times refitScale) on every row, holding none out
    const final = (await GBDT_KIND.fit(
      a.X,
      a.y,
      { ...params, refitScale: 1.5 },
      {
        seed: 1,
        final: true,
        folds: settled.tunings,
      },
    )) as GradientBoosting;
    expect(final.iterations).toBe(Math.round(t * 1.5));
    expect(final.state!.validation).toBeNull();
  });

  it('loads an artifact written before categorical splits (column thresholds only)', () => {
    const legacy = {
      kind: 'gbdt',
      params: { maxIter: 1, learningRate: 0.1, maxLeafNodes: 2, minSamplesLeaf: 1, l2: 0, maxBins: 255 },
      state: {
        columns: ['x', 'y'],
        baseScore: 0.5,
        trees: [
          { feature: [1, -1, -1], threshold: [0.25, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, -1, 2] },
        ],
      },
    } as unknown as GbdtJSON;
    const m = GradientBoosting.fromJSON(legacy);
    const X = denseMatrix(Float32Array.from([0, 0, 0, 1]), 2, 2, ['x', 'y']);
    const z = m.decisionFunction(X);
    expect(Array.from(z)).toEqual([-0.5, 2.5]);
  });
});
