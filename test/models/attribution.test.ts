import { describe, expect, it } from 'vitest';
import { denseMatrix, takeRows } from '../../src/schema/matrix.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { LogisticRegression } from '../../src/models/logistic.ts';
import { GradientBoosting } from '../../src/models/gbdt.ts';
import { NeuralNet } from '../../src/models/neural.ts';
import { ScoringModel } from '../../src/models/scoring-model.ts';
import { randomFolds } from '../../src/models/folds.ts';
import { explainableGbdt, playerValues } from '../../src/models/gbdt-trees.ts';
import { ensembleRaw, treeShap, type NormalizedEnsemble } from '../../src/models/tree-shap.ts';
import { deepLiftGrouped } from '../../src/models/neural-attribution.ts';
import {
  attributeBlend,
  attributeMembers,
  attributedLogits,
  predictAndAttributeMembers,
  type ColumnGroups,
} from '../../src/models/attribution.ts';
import { logit } from '../../src/models/link.ts';
import { ensureBackend } from '../../src/models/tf.ts';

/** n rows, 6 columns; the label depends on x0, an x1*x2 interaction and x3 (x4, x5 are noise). */
function problem(n: number, seed: number) {
  const r = mulberry32(seed);
  const cols = 6;
  const data = new Float32Array(n * cols);
  const y = new Uint8Array(n);
  const rules = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) data[i * cols + j] = r() * 2 - 1;
    const z = 1.5 * data[i * cols] + 2 * Math.sign(data[i * cols + 1] * data[i * cols + 2]) - data[i * cols + 3];
    y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    rules[i] = Math.round(Math.min(100, Math.max(0, 50 + 30 * data[i * cols] + 20 * (r() - 0.5))));
  }
  const names = Array.from({ length: cols }, (_, j) => `x${j}`);
  return { X: denseMatrix(data, n, cols, names), y, rules };
}

/** Column means of a matrix: the reference row. */
function means(X: ReturnType<typeof problem>['X']): Float64Array {
  const m = new Float64Array(X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) m[j] += X.data[i * X.cols + j] / X.rows;
  return m;
}

/** Shapley values by enumerating every coalition (2^cols hybrids of x and the reference). */
function bruteShapley(e: NormalizedEnsemble, x: Float32Array, ref: Float64Array): Float64Array {
  const d = x.length;
  const value = (mask: number) => {
    const z = Float64Array.from(ref, (r, j) => (mask & (1 << j) ? x[j] : r));
    return ensembleRaw(e, z, 0);
  };
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    for (let mask = 0; mask < 1 << d; mask++) {
      if (mask & (1 << j)) continue;
      let size = 0;
      for (let k = 0; k < d; k++) if (mask & (1 << k)) size++;
      const w = (fact(size) * fact(d - size - 1)) / fact(d);
      phi[j] += w * (value(mask | (1 << j)) - value(mask));
    }
  }
  return phi;
}

describe('attribution of each base model', () => {
  it('logistic: coef x (x - reference) is exact (the blend groups add up to the logit to 1e-12)', async () => {
    const { X, y } = problem(400, 1);
    const model = new LogisticRegression({ C: 1 }).fit(X, y);
    const ref = means(X);
    const z = model.decisionFunction(X);
    const coef = model.coefficients();
    let zRef = model.state!.intercept;
    for (let j = 0; j < X.cols; j++) zRef += coef[j] * ref[j];
    for (let i = 0; i < X.rows; i++) {
      let s = zRef;
      for (let j = 0; j < X.cols; j++) s += coef[j] * (X.data[i * X.cols + j] - ref[j]);
      expect(Math.abs(s - z[i])).toBeLessThan(1e-12);
    }
  });

  it('trees: TreeSHAP values are the exact Shapley values and add up to the raw output within 1e-9', () => {
    const { X, y } = problem(600, 2);
    const gbdt = new GradientBoosting({ maxIter: 25, maxLeafNodes: 12, minSamplesLeaf: 5 }).fit(X, y);
    const { ensemble: e } = explainableGbdt(gbdt);
    const ref = means(X);
    const phi = new Float64Array(X.rows * X.cols);
    const fRef = treeShap(e, X.data, X.rows, X.cols, ref, phi);
    expect(fRef).toBeCloseTo(ensembleRaw(e, ref, 0), 12);
    const p = gbdt.predictProba(X);
    let worst = 0;
    for (let i = 0; i < X.rows; i++) {
      let s = fRef;
      for (let j = 0; j < X.cols; j++) s += phi[i * X.cols + j];
      const raw = ensembleRaw(e, X.data, i * X.cols);
      worst = Math.max(worst, Math.abs(s - raw));
      expect(Math.abs(raw - logit(p[i], 1e-300))).toBeLessThan(1e-9); // the same trees as predictProba's
    }
    expect(worst).toBeLessThan(1e-9);
    // against brute force over all 64 coalitions, on a few rows
    for (const i of [0, 7, 123, 599]) {
      const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
      const want = bruteShapley(e, x, ref);
      for (let j = 0; j < X.cols; j++) expect(phi[i * X.cols + j]).toBeCloseTo(want[j], 10);
    }
    // the noise columns get (almost) nothing, the label's columns most
    const meanAbs = (j: number) => phi.filter((_, k) => k % X.cols === j).reduce((a, v) => a + Math.abs(v), 0);
    expect(meanAbs(0)).toBeGreaterThan(meanAbs(5));
  });

  it('trees splitting a one-hot group as one categorical: the group is one player, Shapley exact', () => {
    // the format with categorical splits: players x0 (numeric) and industry (columns 1-3, one-hot)
    const gbdt = new GradientBoosting();
    const tree = (
      feature: number[],
      threshold: number[],
      categories: number[][],
      left: number[],
      right: number[],
      value: number[],
    ) => ({
      feature,
      threshold,
      categories,
      left,
      right,
      value,
      cover: feature.map(() => 1),
      count: feature.map(() => 1),
    });
    (gbdt as unknown as { state: unknown }).state = {
      columns: ['x0', 'industry=a', 'industry=b', 'industry=c'],
      features: [
        { name: 'x0', kind: 'numeric', column: 0 },
        { name: 'industry', kind: 'categorical', columns: [1, 2, 3] },
      ],
      baseScore: -1,
      trees: [
        // industry in {a, c} -> left (0.5); else x0 <= 0.2 -> -0.3, otherwise 0.8
        tree(
          [1, -1, 0, -1, -1],
          [0, 0, 0.2, 0, 0],
          [[0b101], [], [], [], []],
          [1, -1, 3, -1, -1],
          [2, -1, 4, -1, -1],
          [0, 0.5, 0, -0.3, 0.8],
        ),
        // x0 <= -0.5 -> industry b left (1.2) else -0.1; otherwise 0.05
        tree(
          [0, 1, -1, -1, -1],
          [-0.5, 0, 0, 0, 0],
          [[], [0b010], [], [], []],
          [1, 3, -1, -1, -1],
          [2, 4, -1, -1, -1],
          [0, 0, 0.05, 1.2, -0.1],
        ),
      ],
      validation: null,
    };
    const { ensemble, players } = explainableGbdt(gbdt);
    expect(players).toEqual([
      { kind: 'numeric', column: 0 },
      { kind: 'categorical', columns: [1, 2, 3] },
    ]);
    const rows = [
      [0.7, 0, 1, 0],
      [-0.9, 0, 1, 0],
      [0.1, 1, 0, 0],
      [-0.6, 0, 0, 1],
    ];
    const data = Float32Array.from(rows.flat());
    const reference = Float64Array.of(0.1, 0.3, 0.3, 0.4); // the mean: no level above 0.5
    const values = playerValues(players, data, 4, 4);
    expect(Array.from(values)).toEqual([0.7, 1, -0.9, 1, 0.1, 0, -0.6, 2].map((v) => Math.fround(v)));
    const refValues = playerValues(players, reference, 1, 4);
    expect(refValues[1]).toBe(3); // no level: no categorical split sends it left
    const phi = new Float64Array(4 * 2);
    const fRef = treeShap(ensemble, values, 4, 2, refValues, phi);
    for (let i = 0; i < 4; i++) {
      const x = values.subarray(i * 2, i * 2 + 2);
      expect(phi[i * 2] + phi[i * 2 + 1] + fRef).toBeCloseTo(ensembleRaw(ensemble, x, 0), 12);
      const want = bruteShapley(ensemble, Float32Array.from(x), refValues);
      expect(phi[i * 2]).toBeCloseTo(want[0], 12);
      expect(phi[i * 2 + 1]).toBeCloseTo(want[1], 12);
    }
    // row 1 (industry b, x0 -0.9): industry earns the 1.2 leaf of tree 2
    expect(phi[3]).toBeGreaterThan(0.5);
  });

  it('neural: DeepLIFT contributions add up to logit(x) - logit(reference) to float32 precision', async () => {
    await ensureBackend();
    const { X, y } = problem(500, 3);
    const net = await new NeuralNet({ hidden: [8, 4], maxEpochs: 4, patience: 2, seed: 3 }).fit(X, y);
    const ref = means(X);
    const identity = new Float32Array(X.cols * X.cols);
    for (let j = 0; j < X.cols; j++) identity[j * X.cols + j] = 1;
    const a = deepLiftGrouped(net, X, ref, identity, X.cols);
    const p = net.predictProba(X);
    let worst = 0;
    for (let i = 0; i < X.rows; i++) {
      let s = a.referenceLogit;
      for (let j = 0; j < X.cols; j++) s += a.grouped[i * X.cols + j];
      worst = Math.max(worst, Math.abs(s - logit(p[i])));
    }
    expect(worst).toBeLessThan(2e-4);
    // a row equal to the reference gets nothing
    const refMatrix = denseMatrix(Float32Array.from(ref), 1, X.cols, X.columns);
    const atRef = deepLiftGrouped(net, refMatrix, Float32Array.from(ref), identity, X.cols);
    for (const v of atRef.grouped) expect(Math.abs(v)).toBeLessThan(1e-5);
  });

  it('neural without hidden layers: DeepLIFT is the linear model exactly (weight x change)', async () => {
    await ensureBackend();
    const { X, y } = problem(300, 4);
    const net = await new NeuralNet({ hidden: [], maxEpochs: 3, seed: 1 }).fit(X, y);
    const ref = means(X);
    const identity = new Float32Array(X.cols * X.cols);
    for (let j = 0; j < X.cols; j++) identity[j * X.cols + j] = 1;
    const a = deepLiftGrouped(net, X, ref, identity, X.cols);
    const twice = deepLiftGrouped(net, takeRows(X, [5, 5]), ref, identity, X.cols);
    for (let j = 0; j < X.cols; j++) {
      expect(twice.grouped[j]).toBeCloseTo(a.grouped[5 * X.cols + j], 6);
      // linear in x: doubling x - ref doubles the contribution
      const r = X.data[5 * X.cols + j] - ref[j];
      const r2 = X.data[6 * X.cols + j] - ref[j];
      if (Math.abs(r) > 1e-3 && Math.abs(r2) > 1e-3)
        expect(a.grouped[5 * X.cols + j] / r).toBeCloseTo(a.grouped[6 * X.cols + j] / r2, 3);
    }
  });
});

/** A blend of logistic, an ensemble of two networks and trees, fitted once on problem(1500, 5) for the tests below. */
let blendFit: Promise<{ model: ScoringModel } & ReturnType<typeof problem>> | undefined;
function fittedBlend() {
  blendFit ??= (async () => {
    await ensureBackend();
    const { X, y, rules } = problem(1500, 5);
    const n = X.rows;
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const model = await ScoringModel.fit(
      X,
      y,
      rules,
      {
        rows: idx.filter((i) => i % 10 < 2 || i % 10 >= 4),
        folds: randomFolds(
          idx.filter((i) => i % 10 < 2 || i % 10 >= 4),
          y,
          2,
          9,
        ),
        kind: 'random',
        test: idx.filter((i) => i % 10 >= 2 && i % 10 <= 3),
      },
      {
        members: [
          { name: 'logistic', params: {} },
          { name: 'neural', params: { hidden: [6], maxEpochs: 4, patience: 2, ensemble: 2 } },
          { name: 'gbdt', params: { maxIter: 15 } },
        ],
        seed: 9,
        bands: { hot: 'top 5%', warm: 'top 25%' },
      },
    );
    return { model, X, y, rules };
  })();
  return blendFit;
}

describe('attribution of the blend', () => {
  it('grouped contributions of logistic + neural + gbdt + rules reproduce the blend logit within 1e-6', async () => {
    const { model, X, rules } = await fittedBlend();
    const n = X.rows;
    // x0 alone, x1 and x2 together (the interaction), the rest together
    const groups: ColumnGroups = { names: ['a', 'interaction', 'rest'], ofColumn: Int32Array.from([0, 1, 1, 2, 2, 2]) };
    const reference = { row: means(X), rules: 40 };
    const a = attributeBlend(model, X, rules, reference, groups);
    expect(a.groups).toEqual(['a', 'interaction', 'rest', 'rules']);
    const blend = model.predict(X, rules).blend;
    const sums = attributedLogits(a);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(sums[i] - logit(blend[i], 1e-300)));
    expect(worst).toBeLessThan(1e-6);
    // the gaps spread over the groups are float rounding, not a method's error
    // (a member the blend gave no weight is left out of it and of the attribution)
    const taken = Object.keys(model.blendWeights()).filter((k) => k !== 'rules');
    expect(taken.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(a.residual).sort()).toEqual([...taken].sort());
    const tolerance: Record<string, number> = { logistic: 1e-6, gbdt: 1e-6, neural: 2e-4 };
    for (const name of taken) expect(a.residual[name]).toBeLessThan(tolerance[name]);
    // the rule term is w_r (rules - 40) / 100
    const w = model.blendWeights().rules;
    for (const i of [0, 10, 100]) expect(a.values[i * 4 + 3]).toBeCloseTo((w * (rules[i] - 40)) / 100, 6);
    // the interaction group carries weight: the label depends on x1*x2
    let inter = 0;
    let rest = 0;
    for (let i = 0; i < n; i++) {
      inter += Math.abs(a.values[i * 4 + 1]);
      rest += Math.abs(a.values[i * 4 + 2]);
    }
    expect(inter).toBeGreaterThan(rest);
  });

  it('one pass (predictAndAttributeMembers): the bits of baseOutputs, then attributeMembers, per batch', async () => {
    const { model } = await fittedBlend();
    // more rows than one prediction batch (16,384), so several batches of the networks' pass are compared
    const { X } = problem(40_000, 12);
    const groups: ColumnGroups = { names: ['a', 'interaction', 'rest'], ofColumn: Int32Array.from([0, 1, 1, 2, 2, 2]) };
    const reference = { row: means(X), rules: 40 };
    const base = model.baseOutputs(X);
    const apart = attributeMembers(model, X, base, reference, groups);
    const together = predictAndAttributeMembers(model, X, reference, groups);
    expect(Object.keys(together.base)).toEqual(Object.keys(base));
    for (const name of Object.keys(base)) expect(Buffer.compare(bytes(together.base[name]), bytes(base[name]))).toBe(0);
    expect(Buffer.compare(bytes(together.attribution.values), bytes(apart.values))).toBe(0);
    expect(together.attribution.base).toBe(apart.base);
    expect(together.attribution.residual).toEqual(apart.residual);
  });

  it('one pass refuses a non-finite cell as predictProba does: the same error, naming the row and column', async () => {
    const { model } = await fittedBlend();
    const { X } = problem(50, 13);
    X.data[7 * X.cols + 4] = Number.NaN;
    const groups: ColumnGroups = { names: ['all'], ofColumn: new Int32Array(X.cols) };
    const reference = { row: means(problem(50, 13).X), rules: 40 };
    const predicted = (() => {
      try {
        model.baseOutputs(X);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    })();
    expect(predicted).toMatch(/row 8|x4/);
    expect(() => predictAndAttributeMembers(model, X, reference, groups)).toThrow(predicted);
  });
});

/** The bytes of a typed array (bit-for-bit comparison, NaN and -0 included). */
function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
