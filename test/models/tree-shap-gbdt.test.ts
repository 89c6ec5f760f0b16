import { describe, expect, it } from 'vitest';
import { denseMatrix, type DenseMatrix } from '../../src/schema/matrix.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { GradientBoosting } from '../../src/models/gbdt.ts';
import { explainableGbdt, playerGroups, playerValues } from '../../src/models/gbdt-trees.ts';
import { ensembleRaw, treeShap, treeShapGrouped } from '../../src/models/tree-shap.ts';

const LEVELS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/**
 * Encoded as the encoders do: x (numeric, some NaN), x's bin indicators, a one-hot `city` (8 levels +
 * <other> + <missing>), a one-hot `source` (3 levels + <missing>) and a noise column. The label depends on
 * x, on a grouping of cities no single level-vs-rest split captures, and on a city x source interaction.
 */
function problem(n: number, seed: number): { X: DenseMatrix; y: Uint8Array } {
  const r = mulberry32(seed);
  const city = [...LEVELS, '<other>', '<missing>'].map((l) => `city=${l}`);
  const source = ['web', 'event', 'referral', '<missing>'].map((l) => `source=${l}`);
  const columns = ['x', 'x#bin0', 'x#bin1', ...city, ...source, 'noise'];
  const d = columns.length;
  const data = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = r() * 4 - 2;
    const missing = r() < 0.1;
    const c = Math.floor(r() * 10);
    const s = Math.floor(r() * 4);
    data[i * d] = missing ? NaN : x;
    if (!missing) data[i * d + (x < 0 ? 1 : 2)] = 1;
    data[i * d + 3 + c] = 1;
    data[i * d + 13 + s] = 1;
    data[i * d + d - 1] = r();
    const grouped = c < 8 && c % 2 === 0 ? 1.2 : -1.2;
    const z = (missing ? 0.5 : 0.8 * x) + grouped + (s === 1 && c < 4 ? 1.5 : 0);
    y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: denseMatrix(data, n, d, columns), y };
}

describe('TreeSHAP on fitted trees with native categorical splits', () => {
  const { X, y } = problem(2500, 5);
  const model = new GradientBoosting({
    maxIter: 40,
    learningRate: 0.2,
    maxLeafNodes: 15,
    maxDepth: 5,
    rowSubsample: 0.8,
    colSubsample: 0.8,
    validationFraction: 0,
    seed: 3,
  }).fit(X, y);
  const { ensemble, players } = explainableGbdt(model);
  const P = players.length;
  const values = playerValues(players, X.data, X.rows, X.cols);
  const margin = model.decisionFunction(X);

  it('the fitted trees split the one-hot groups natively, and the converter reads them as the model does', () => {
    expect(players.filter((p) => p.kind === 'categorical')).toHaveLength(2);
    const categoricalSplits = model.state!.trees.reduce(
      (a, t) => a + t.feature.filter((f, k) => f >= 0 && t.categories[k].length > 0).length,
      0,
    );
    expect(categoricalSplits).toBeGreaterThan(10);
    // the ensemble TreeSHAP walks gives the model's own margin on every row (NaN rows included)
    for (let i = 0; i < X.rows; i++) expect(ensembleRaw(ensemble, values, i * P)).toBeCloseTo(margin[i], 10);
  });

  it('local accuracy: the attributions sum to the margin minus the expected value over a background', () => {
    // background: 25 training rows; the expected value is their mean margin, the attributions the mean of
    // the single-reference TreeSHAP values over them (interventional TreeSHAP, as shap's TreeExplainer)
    const background = Array.from({ length: 25 }, (_, b) => b * 97);
    const rows = 400;
    const phi = new Float64Array(rows * P);
    const one = new Float64Array(rows * P);
    let expected = 0;
    for (const b of background) {
      one.fill(0);
      const fRef = treeShap(ensemble, values, rows, P, values.subarray(b * P, (b + 1) * P), one);
      expect(fRef).toBeCloseTo(margin[b], 10);
      expected += fRef / background.length;
      for (let k = 0; k < one.length; k++) phi[k] += one[k] / background.length;
    }
    let worst = 0;
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let p = 0; p < P; p++) sum += phi[i * P + p];
      worst = Math.max(worst, Math.abs(sum - (margin[i] - expected)));
    }
    expect(worst).toBeLessThan(1e-9);
    // the categorical players carry the weight; the noise column (overfitted a little) much less
    const meanAbs = (p: number) => phi.filter((_, k) => k % P === p).reduce((a, v) => a + Math.abs(v), 0) / rows;
    const city = players.findIndex((p) => p.kind === 'categorical' && p.columns[0] === 3);
    const noise = players.findIndex((p) => p.kind === 'numeric' && p.column === X.cols - 1);
    expect(meanAbs(city)).toBeGreaterThan(3 * meanAbs(noise));
  });

  it('as the blend attribution uses it: against the training-mean reference, groups add up per row', () => {
    const reference = new Float64Array(X.cols);
    for (let i = 0; i < X.rows; i++)
      for (let j = 0; j < X.cols; j++) {
        const v = X.data[i * X.cols + j];
        if (!Number.isNaN(v)) reference[j] += v / X.rows;
      }
    const groups = {
      names: ['x', 'city', 'source', 'noise'],
      ofColumn: Int32Array.from(X.columns, (c) =>
        c.startsWith('city=') ? 1 : c.startsWith('source=') ? 2 : c === 'noise' ? 3 : 0,
      ),
    };
    // what attribution.ts does for a gbdt member: players' values, one group per player, f(reference) returned
    const grouped = new Float64Array(X.rows * 4);
    const referenceLogit = treeShapGrouped(
      ensemble,
      values,
      X.rows,
      P,
      playerValues(players, reference, 1, X.cols),
      playerGroups(players, groups.ofColumn),
      4,
      grouped,
    );
    expect(referenceLogit).toBeCloseTo(
      model.decisionFunction(denseMatrix(Float32Array.from(reference), 1, X.cols, X.columns))[0],
      6,
    );
    let worst = 0;
    for (let i = 0; i < X.rows; i++) {
      let sum = referenceLogit;
      for (let g = 0; g < 4; g++) sum += grouped[i * 4 + g];
      worst = Math.max(worst, Math.abs(sum - margin[i]));
    }
    expect(worst).toBeLessThan(1e-9);
  });
});
