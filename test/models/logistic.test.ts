import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogisticRegression } from '../../src/models/logistic.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { denseMatrix, takeRows, type DenseMatrix } from '../../src/schema/matrix.ts';
import { ConfigError } from '../../src/errors.ts';
import { loadLogregFixture } from './logreg-fixture.ts';

const fixture = loadLogregFixture();
// Exact optimum of the same problem (full Newton in float64 numpy, |gradient| ~ 1e-14); see its "note".
const exact = JSON.parse(readFileSync(new URL('./logreg_exact_optimum.json', import.meta.url), 'utf8'));

/** scikit-learn's objective 0.5·||w||² + C·Σ logloss_i, computed here independently of the solver. */
function sklearnObjective(X: DenseMatrix, y: Uint8Array, C: number, coef: number[], intercept: number): number {
  let loss = 0;
  for (let i = 0; i < X.rows; i++) {
    let z = intercept;
    for (let j = 0; j < X.cols; j++) z += coef[j] * X.data[i * X.cols + j];
    loss += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y[i] * z;
  }
  return 0.5 * coef.reduce((s, w) => s + w * w, 0) + C * loss;
}

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((v, j) => Math.abs(v - b[j])));
}

describe('LogisticRegression on the shared reference problem', () => {
  for (const [C, key] of [
    [1.0, 'C=1.0'],
    [0.1, 'C=0.1'],
  ] as const) {
    describe(`C=${C}`, () => {
      const model = new LogisticRegression({ C, tol: 1e-10 }).fit(fixture.X, fixture.y);
      const state = model.state!;

      it('reaches the exact optimum: coefficients and intercept within 1e-6', () => {
        const target = fixture.columns.map((c) => exact[key].coef[c] as number);
        expect(state.converged).toBe(true);
        expect(maxAbsDiff(state.coef, target)).toBeLessThan(1e-6);
        expect(Math.abs(state.intercept - exact[key].intercept)).toBeLessThan(1e-6);
      });

      it("is at least as good as scikit-learn's lbfgs answer and sits within its stopping slack", () => {
        // sklearn 1.2.1's lbfgs stops on scipy's ftol (2.2e-9 relative objective change), so its JSON point
        // is off the optimum by up to 2.4e-3 (C=1) / 3.6e-4 (C=0.1) in the flattest directions.
        const ref = fixture.reference[key];
        const refCoef = fixture.columns.map((c) => ref.coef[c]);
        const ours = sklearnObjective(fixture.X, fixture.y, C, state.coef, state.intercept);
        const theirs = sklearnObjective(fixture.X, fixture.y, C, refCoef, ref.intercept);
        expect(ours).toBeLessThanOrEqual(theirs);
        expect((theirs - ours) / ours).toBeLessThan(1e-7);
        expect(maxAbsDiff(state.coef, refCoef)).toBeLessThan(C === 1 ? 5e-3 : 1e-3);
        expect(Math.abs(state.intercept - ref.intercept)).toBeLessThan(C === 1 ? 5e-3 : 1e-3);
      });

      it('satisfies the optimality condition w + C·Xᵀ(p - y) = 0 (checked independently)', () => {
        const p = model.predictProba(fixture.X);
        const g = state.coef.slice();
        let gIntercept = 0;
        for (let i = 0; i < fixture.X.rows; i++) {
          const r = C * (p[i] - fixture.y[i]);
          gIntercept += r;
          for (let j = 0; j < fixture.X.cols; j++) g[j] += r * fixture.X.data[i * fixture.X.cols + j];
        }
        expect(Math.max(...g.map(Math.abs), Math.abs(gIntercept))).toBeLessThan(1e-5);
      });

      it('reproduces the reference mean train log loss', () => {
        const p = model.predictProba(fixture.X);
        let ll = 0;
        for (let i = 0; i < p.length; i++) ll -= fixture.y[i] ? Math.log(p[i]) : Math.log(1 - p[i]);
        // the two points differ slightly, see above;
        expect(ll / p.length).toBeCloseTo(fixture.reference[key].train_logloss_mean, 4);
      });
    });
  }
});

describe('LogisticRegression behaviour', () => {
  const rnd = mulberry32(5);
  const rows = 600;
  const cols = 3;
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) data[i * cols + j] = rnd() * 2 - 1;
    const z = 1.5 * data[i * cols] - data[i * cols + 1] - 1;
    y[i] = rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const X = denseMatrix(data, rows, cols, ['a', 'b', 'c']);

  it('integer sample weights equal duplicated rows', () => {
    const w = Float64Array.from({ length: rows }, (_, i) => 1 + (i % 3));
    const dup: number[] = [];
    for (let i = 0; i < rows; i++) for (let k = 0; k < w[i]; k++) dup.push(i);
    const weighted = new LogisticRegression().fit(X, y, { sampleWeight: w }).state!;
    const duplicated = new LogisticRegression().fit(
      takeRows(X, dup),
      Uint8Array.from(dup, (i) => y[i]),
    ).state!;
    expect(maxAbsDiff(weighted.coef, duplicated.coef)).toBeLessThan(1e-8);
    expect(Math.abs(weighted.intercept - duplicated.intercept)).toBeLessThan(1e-8);
  });

  it("classWeight 'balanced' equals sample weights n / (2·n_class)", () => {
    const pos = y.reduce((s, v) => s + v, 0);
    const w = Float64Array.from(y, (v) => (v ? rows / (2 * pos) : rows / (2 * (rows - pos))));
    const balanced = new LogisticRegression({ classWeight: 'balanced' }).fit(X, y).state!;
    const manual = new LogisticRegression().fit(X, y, { sampleWeight: w }).state!;
    const plain = new LogisticRegression().fit(X, y).state!;
    expect(maxAbsDiff(balanced.coef, manual.coef)).toBeLessThan(1e-9);
    expect(Math.abs(balanced.intercept - plain.intercept)).toBeGreaterThan(0.1); // the weighting really changed the fit
  });

  it('without an intercept the intercept is 0 and the fit differs', () => {
    const m = new LogisticRegression({ fitIntercept: false }).fit(X, y).state!;
    expect(m.intercept).toBe(0);
    expect(m.coef).toHaveLength(cols);
    expect(m.converged).toBe(true);
  });

  it('decisionFunction is the logit, and contributions plus intercept add up to it', () => {
    const m = new LogisticRegression().fit(X, y);
    const z = m.decisionFunction(X);
    const p = m.predictProba(X);
    const c = m.contributions(X);
    for (const i of [0, 17, 599]) {
      expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-z[i])), 14);
      expect(c[i * cols] + c[i * cols + 1] + c[i * cols + 2] + m.state!.intercept).toBeCloseTo(z[i], 12);
    }
  });

  it('round-trips through JSON text exactly', () => {
    const m = new LogisticRegression({ C: 0.3 }).fit(X, y);
    const copy = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.toJSON()).toEqual(m.toJSON());
    expect(Array.from(copy.predictProba(X))).toEqual(Array.from(m.predictProba(X)));
  });

  it('validates params and refuses unfitted use', () => {
    expect(() => new LogisticRegression({ C: -1 })).toThrow(ConfigError);
    expect(() => new LogisticRegression({ maxIter: 1.5 })).toThrow(/maxIter/);
    expect(() => new LogisticRegression({ penalty: 'l1' } as never)).toThrow(ConfigError);
    expect(() => new LogisticRegression().predictProba(X)).toThrow(/not fitted/);
    expect(() => LogisticRegression.fromJSON({ kind: 'neural' })).toThrow(ConfigError);
    expect(() => new LogisticRegression().fit(X, new Uint8Array(rows))).toThrow(/only class 0/);
  });

  it('stops at maxIter and says it did not converge', () => {
    const m = new LogisticRegression({ maxIter: 1, tol: 1e-14 }).fit(fixture.X, fixture.y).state!;
    expect(m.nIter).toBe(1);
    expect(m.converged).toBe(false);
  });

  it('keeps separable data finite thanks to the penalty', () => {
    const Xs = denseMatrix(Float32Array.from([-2, -1, 1, 2]), 4, 1, ['x']);
    const m = new LogisticRegression({ C: 100 }).fit(Xs, Uint8Array.from([0, 0, 1, 1])).state!;
    expect(Number.isFinite(m.coef[0])).toBe(true);
    expect(m.coef[0]).toBeGreaterThan(1);
    expect(m.converged).toBe(true);
  });
});

describe('LogisticRegression on one-hot columns (the sparse Hessian path)', () => {
  // 12 categoricals x 6 levels, one-hot: 1 non-zero in 6 (a flat table's shape), with label signal
  const rows = 2000;
  const groups = 12;
  const levels = 6;
  const cols = groups * levels;
  const rnd = mulberry32(21);
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = -0.5;
    for (let g = 0; g < groups; g++) {
      const l = Math.floor(rnd() * levels);
      data[i * cols + g * levels + l] = 1;
      z += (l - 2.5) * 0.15 * (g % 3);
    }
    y[i] = rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const X = denseMatrix(
    data,
    rows,
    cols,
    Array.from({ length: cols }, (_, j) => `g${Math.floor(j / levels)}=${j % levels}`),
  );

  it('reaches the optimum: w + C·Xᵀ(p - y) = 0 and Σ(p - y) = 0, checked independently', () => {
    const C = 0.5;
    const m = new LogisticRegression({ C, tol: 1e-10 }).fit(X, y);
    expect(m.state!.converged).toBe(true);
    const p = m.predictProba(X);
    let gIntercept = 0;
    const g = Float64Array.from(m.state!.coef);
    for (let i = 0; i < rows; i++) {
      const r = p[i] - y[i];
      gIntercept += r;
      for (let j = 0; j < cols; j++) g[j] += C * r * X.data[i * cols + j];
    }
    expect(Math.max(...Array.from(g, Math.abs))).toBeLessThan(1e-7);
    expect(Math.abs(gIntercept)).toBeLessThan(1e-7);
  });
});

describe('LogisticRegression warm start', () => {
  it('starting from a fold model (matched by column name) reaches the same optimum in fewer iterations', () => {
    const X = fixture.X;
    const half = takeRows(
      X,
      Array.from({ length: X.rows >> 1 }, (_, i) => i),
    );
    const fold = new LogisticRegression({ tol: 1e-10 }).fit(half, fixture.y.slice(0, X.rows >> 1));
    const cold = new LogisticRegression({ tol: 1e-10 }).fit(X, fixture.y).state!;
    const warm = new LogisticRegression({ tol: 1e-10 }).fit(X, fixture.y, { start: fold }).state!;
    expect(maxAbsDiff(warm.coef, cold.coef)).toBeLessThan(1e-8);
    expect(Math.abs(warm.intercept - cold.intercept)).toBeLessThan(1e-8);
    expect(warm.nIter).toBeLessThan(cold.nIter);
    // columns the start does not know begin at 0; reordered columns are matched by name
    const renamed = { ...X, columns: X.columns.map((c, j) => (j === 0 ? 'new_column' : c)) };
    const partial = new LogisticRegression({ tol: 1e-10 }).fit(renamed, fixture.y, { start: fold }).state!;
    expect(maxAbsDiff(partial.coef, cold.coef)).toBeLessThan(1e-8);
  });
});

describe('LogisticRegression with a sampled Hessian (big data)', () => {
  it('reaches the same optimum when each Newton step estimates the Hessian from a tenth of the rows', () => {
    const exactFit = new LogisticRegression({ C: 1, tol: 1e-10 }).fit(fixture.X, fixture.y).state!;
    const sampled = new LogisticRegression({ C: 1, tol: 1e-10, hessianRows: 300 }).fit(fixture.X, fixture.y).state!;
    expect(sampled.converged).toBe(true);
    expect(maxAbsDiff(sampled.coef, exactFit.coef)).toBeLessThan(1e-7);
    expect(Math.abs(sampled.intercept - exactFit.intercept)).toBeLessThan(1e-7);
  });
});
