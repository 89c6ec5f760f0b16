import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { denseMatrix, type DenseMatrix } from '../../src/schema/matrix.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { ScoringModel, type ScoringFitOptions } from '../../src/models/scoring-model.ts';
import { baseModelRows, chooseStacking, type Splits } from '../../src/models/stacking.ts';
import { calibrateBlend } from '../../src/models/blend-calibration.ts';
import { loadScoringModel, saveScoringModel } from '../../src/models/scoring-artifact.ts';
import { registerBaseEstimator, type BaseEstimatorKind } from '../../src/models/base-estimators.ts';
import { GradientBoosting } from '../../src/models/gbdt.ts';
import { fixtureCard } from './card-fixture.ts';

/** n rows, 4 columns; the label depends on x0 and on an x1*x2 interaction. */
function problem(n: number, seed: number) {
  const r = mulberry32(seed);
  const data = new Float32Array(n * 4);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) data[i * 4 + j] = r() * 2 - 1;
    const z = 1.5 * data[i * 4] + 3 * Math.sign(data[i * 4 + 1] * data[i * 4 + 2]);
    y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: denseMatrix(data, n, 4, ['x0', 'x1', 'x2', 'x3']), y };
}

function splitsOf(n: number): Splits {
  const part = (k: number) => Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 === k);
  const train = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 >= 3);
  return { train, validation: part(0), calibration: part(1), test: part(2) };
}

function fast(extra: Partial<ScoringFitOptions> = {}, ensemble = 1): ScoringFitOptions {
  return {
    members: [
      { name: 'logistic', params: {} },
      { name: 'neural', params: { hidden: [4], maxEpochs: 3, patience: 1, ensemble } },
      { name: 'gbdt', params: { maxIter: 10 } },
    ],
    seed: 5,
    bands: { hot: 'top 5%', warm: 'top 25%' },
    ...extra,
  };
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-scoring-model-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** Save through the artifact and load back (what scoring does). */
function roundTrip(model: ScoringModel): ScoringModel {
  const { dir } = saveScoringModel(root, fixtureCard(), model, {});
  return loadScoringModel(dir).model;
}

describe('ScoringModel stacking', () => {
  it('cv: no base model ever predicts a row it was fitted on, and calibration/test rows are never fitted', async () => {
    const { X, y } = problem(600, 1);
    const splits = splitsOf(600);
    const fits: Array<{ fitted: Set<number>; predicted: Int32Array }> = [];
    const encodedOn: Int32Array[] = [];
    await ScoringModel.fit(
      X,
      y,
      null,
      splits,
      fast({
        stacking: 'cv',
        folds: 3,
        encodeFor: (rows) => {
          encodedOn.push(rows);
          return X;
        },
        onBaseFit: (fitted, predicted) => fits.push({ fitted: new Set(fitted), predicted }),
      }),
    );
    expect(fits).toHaveLength(4); // 3 folds + the final refit
    const base = new Set(baseModelRows(splits, 'cv'));
    expect(base.size).toBe(splits.train.length + splits.validation.length);
    const heldOut = new Set<number>();
    for (const { fitted, predicted } of fits) {
      for (const i of predicted) expect(fitted.has(i)).toBe(false);
      for (const i of [...splits.calibration, ...splits.test]) expect(fitted.has(i)).toBe(false);
    }
    for (const { predicted } of fits.slice(0, 3)) for (const i of predicted) heldOut.add(i);
    expect(heldOut).toEqual(base); // every base row gets exactly one out-of-fold prediction
    // encoders refitted per fold
    expect(encodedOn.map((r) => r.length)).toEqual(fits.slice(0, 3).map((f) => f.fitted.size));
  });

  it('holdout: base models fit the training split only', async () => {
    const { X, y } = problem(400, 2);
    const splits = splitsOf(400);
    const fits: Set<number>[] = [];
    await ScoringModel.fit(X, y, null, splits, fast({ stacking: 'holdout', onBaseFit: (f) => fits.push(new Set(f)) }));
    expect(fits).toHaveLength(1);
    expect(fits[0]).toEqual(new Set(splits.train));
  });

  it('same seed, same probabilities; JSON round trip predicts identically (gbdt and a neural ensemble included)', async () => {
    const { X, y } = problem(500, 3);
    const splits = splitsOf(500);
    const opts = fast({ stacking: 'cv', folds: 2 }, 2);
    const a = await ScoringModel.fit(X, y, null, splits, opts);
    const b = await ScoringModel.fit(X, y, null, splits, opts);
    expect(Array.from(b.predict(X, null).probability)).toEqual(Array.from(a.predict(X, null).probability));
    expect(Object.keys(a.blendWeights())).toEqual(['logistic', 'neural', 'gbdt']);
    const back = roundTrip(a);
    expect(Array.from(back.predict(X, null).probability)).toEqual(Array.from(a.predict(X, null).probability));
    expect(back.bands).toEqual(a.bands);
    expect(Array.from(back.percentiles(a.predict(X, null).probability))).toEqual(
      Array.from(a.percentiles(a.predict(X, null).probability)),
    );
  });

  it("'auto' picks cv for small flat data, holdout for big or time-ordered data", () => {
    expect(chooseStacking('auto', 7000)).toBe('cv');
    expect(chooseStacking('auto', 1_000_000)).toBe('holdout');
    expect(chooseStacking('auto', 7000, true)).toBe('holdout');
    expect(chooseStacking('holdout', 7000)).toBe('holdout');
  });

  it('keeps an already calibrated blend unchanged, recalibrates a miscalibrated one', () => {
    const r = mulberry32(9);
    const p = Float64Array.from({ length: 800 }, () => 0.05 + 0.9 * r());
    const y = Uint8Array.from(p, (q) => (r() < q ? 1 : 0));
    // calibrated input: whichever wins, the two log losses are within noise of each other
    const calibrated = calibrateBlend(p, y, 'auto', 1);
    const losses = (calibrated.reason.match(/\d\.\d{5}/g) ?? []).map(Number);
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(Math.abs(losses[0] - losses[losses.length - 1])).toBeLessThan(0.003);
    const passThrough = calibrateBlend(p, y, 'platt', 1); // an explicit method is always honoured
    expect(passThrough.method).toBe('platt');
    const squashed = p.map((q) => 0.4 + 0.2 * q); // right order, far too timid
    expect(calibrateBlend(squashed, y, 'auto', 1).method).toBe('platt');
  });
});

/** A fourth base estimator, defined and registered only here: the share of positives among training rows. */
class BaseRate {
  constructor(readonly rate: number) {}
  predictProba(X: DenseMatrix): Float64Array {
    return new Float64Array(X.rows).fill(this.rate);
  }
  toJSON(): unknown {
    return { rate: this.rate };
  }
}
const BASE_RATE_KIND: BaseEstimatorKind = {
  name: 'base_rate',
  label: 'base rate',
  fit: async (_X, y) => new BaseRate(y.reduce((a, b) => a + b, 0) / y.length),
  fromJSON: (json) => new BaseRate((json as { rate: number }).rate),
};

describe('a fourth base estimator', () => {
  it('is one registration: it is fitted, blended, saved and loaded by name', async () => {
    registerBaseEstimator(BASE_RATE_KIND);
    const { X, y } = problem(400, 7);
    const splits = splitsOf(400);
    const model = await ScoringModel.fit(X, y, null, splits, {
      members: [
        { name: 'logistic', params: {} },
        { name: 'base_rate', params: {} },
      ],
      seed: 1,
      bands: { hot: 'top 5%', warm: 'top 25%' },
    });
    expect(model.memberNames).toEqual(['logistic', 'base_rate']);
    expect(Object.keys(model.blendWeights())).toEqual(['logistic', 'base_rate']);
    const out = model.predict(X, null);
    expect(new Set(out.base.base_rate).size).toBe(1);
    const back = roundTrip(model);
    expect(Array.from(back.predict(X, null).probability)).toEqual(Array.from(out.probability));
  });

  it('an unknown name is refused with the known ones', async () => {
    const { X, y } = problem(200, 8);
    const fit = ScoringModel.fit(X, y, null, splitsOf(200), {
      members: [{ name: 'logistik', params: {} }],
      seed: 1,
      bands: { hot: 50, warm: 20 },
    });
    await expect(fit).rejects.toThrow(/unknown base estimator 'logistik'/);
    await expect(fit).rejects.toMatchObject({ hint: expect.stringMatching(/did you mean 'logistic'/) });
  });
});

describe('GradientBoosting', () => {
  it('learns an interaction a linear model cannot, deterministically, and round-trips through JSON', () => {
    const { X, y } = problem(1500, 4);
    const m = new GradientBoosting({ maxIter: 30 }).fit(X, y);
    const p = m.predictProba(X);
    let hit = 0;
    for (let i = 0; i < y.length; i++) hit += (p[i] > 0.5 ? 1 : 0) === y[i] ? 1 : 0;
    expect(hit / y.length).toBeGreaterThan(0.75);
    expect(Array.from(new GradientBoosting({ maxIter: 30 }).fit(X, y).predictProba(X))).toEqual(Array.from(p));
    expect(Array.from(GradientBoosting.fromJSON(JSON.parse(JSON.stringify(m.toJSON()))).predictProba(X))).toEqual(
      Array.from(p),
    );
  });
});
