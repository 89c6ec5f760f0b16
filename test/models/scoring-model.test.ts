import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { denseMatrix, takeRows, type DenseMatrix } from '../../src/schema/matrix.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { ScoringModel, type ScoringFitOptions } from '../../src/models/scoring-model.ts';
import { randomFolds, timeFolds, type FitPlan } from '../../src/models/folds.ts';
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

/** Every tenth row is a test row; the rest are fitted through `k` stratified folds. */
function planOf(n: number, y: Uint8Array, k = 3): FitPlan {
  const test = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 === 2);
  const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 !== 2);
  return { rows, folds: randomFolds(rows, y, k, 11), kind: 'random', test };
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

describe('ScoringModel fit plan', () => {
  it('no base model predicts a row it fitted; the final models see every non-test row, no test row', async () => {
    const { X, y } = problem(600, 1);
    const plan = planOf(600, y);
    const fits: Array<{ fitted: Set<number>; predicted: Int32Array }> = [];
    const encodedOn: Int32Array[] = [];
    const model = await ScoringModel.fit(
      X,
      y,
      null,
      plan,
      fast({
        encodeFor: (fitRows, rows) => {
          encodedOn.push(fitRows);
          return takeRows(X, rows);
        },
        onBaseFit: (fitted, predicted) => fits.push({ fitted: new Set(fitted), predicted }),
      }),
    );
    expect(fits).toHaveLength(4); // 3 folds + the final refit
    const test = new Set(plan.test);
    for (const { fitted, predicted } of fits) {
      for (const i of predicted) expect(fitted.has(i)).toBe(false);
      for (const i of test) expect(fitted.has(i)).toBe(false);
    }
    const heldOut: number[] = [];
    for (const { predicted } of fits.slice(0, 3)) heldOut.push(...predicted);
    expect(heldOut.sort((a, b) => a - b)).toEqual(Array.from(plan.rows)); // each non-test row predicted once
    expect(fits[3].fitted).toEqual(new Set(plan.rows)); // the final fit: every non-test row
    expect(encodedOn.map((r) => r.length)).toEqual(fits.slice(0, 3).map((f) => f.fitted.size)); // encoders per fold
    const t = model.training!;
    expect(t.rows).toEqual({ base_models: 540, blend: 540, calibrator: 540, test: 60 });
    expect(t.folds).toMatchObject({ kind: 'random', count: 3 });
  });

  it('time folds predict each block from earlier snapshots only, one horizon before it', () => {
    const days = 86_400_000;
    const n = 1200;
    const asOf = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + Math.floor(i / 50) * 30 * days);
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const folds = timeFolds(rows, asOf, 2, 90);
    expect(folds).toHaveLength(2);
    for (const f of folds) {
      const first = Math.min(...Array.from(f.predict, (i) => asOf[i]));
      for (const i of f.fit) expect(asOf[i] + 90 * days).toBeLessThanOrEqual(first);
      expect(f.fit.length).toBeGreaterThan(0);
    }
    // the later fold learns from more history; the first block is never predicted
    expect(folds[1].fit.length).toBeGreaterThan(folds[0].fit.length);
    const predicted = new Set([...folds[0].predict, ...folds[1].predict]);
    expect(predicted.has(0)).toBe(false);
    expect(predicted.has(n - 1)).toBe(true);
    expect(() => timeFolds(rows.slice(0, 100), asOf, 2, 90)).toThrow(/snapshot dates/);
  });

  it('time folds without a gap (one row per lead at creation) fit only rows strictly before the block', () => {
    // a few leads share each creation time, as with day-resolution exports
    const n = 600;
    const asOf = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + Math.floor(i / 3) * 86_400_000);
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    for (const k of [1, 2, 3]) {
      for (const f of timeFolds(rows, asOf, k, 0)) {
        const first = Math.min(...Array.from(f.predict, (i) => asOf[i]));
        const predicted = new Set(f.predict);
        for (const i of f.fit) {
          expect(predicted.has(i)).toBe(false);
          expect(asOf[i]).toBeLessThan(first);
        }
        expect(f.fit.length).toBeGreaterThan(0);
      }
    }
  });

  it('same seed, same probabilities; JSON round trip predicts identically (trees, a neural ensemble)', async () => {
    const { X, y } = problem(500, 3);
    const plan = planOf(500, y, 2);
    const opts = fast({}, 2);
    const a = await ScoringModel.fit(X, y, null, plan, opts);
    const b = await ScoringModel.fit(X, y, null, plan, opts);
    expect(Array.from(b.predict(X, null).probability)).toEqual(Array.from(a.predict(X, null).probability));
    const back = roundTrip(a);
    expect(Array.from(back.predict(X, null).probability)).toEqual(Array.from(a.predict(X, null).probability));
    expect(back.bands).toEqual(a.bands);
    expect(Array.from(back.percentiles(a.predict(X, null).probability))).toEqual(
      Array.from(a.percentiles(a.predict(X, null).probability)),
    );
  });

  it('members fitted side by side on a worker thread give the same model as one after another', async () => {
    const { X, y } = problem(500, 4);
    const plan = planOf(500, y, 2);
    // the network continues its last fold (ensemble 1) or refits from scratch (2); trees settle a count
    for (const ensemble of [1, 2]) {
      const lines: string[] = [];
      const opts = fast({ onStage: (s) => lines.push(s) }, ensemble);
      const serial = await ScoringModel.fit(X, y, null, plan, { ...opts, parallel: false });
      const parallel = await ScoringModel.fit(X, y, null, plan, { ...opts, parallel: true });
      const a = serial.predict(X, null);
      const b = parallel.predict(X, null);
      for (const name of serial.memberNames) expect(Array.from(b.base[name])).toEqual(Array.from(a.base[name]));
      expect(Array.from(b.probability)).toEqual(Array.from(a.probability));
      expect(parallel.training).toEqual(serial.training);
      expect(parallel.bands).toEqual(serial.bands);
      // the worker's progress reaches the caller's stage lines
      expect(lines.filter((l) => /neural: epoch/.test(l)).length).toBeGreaterThan(0);
    }
  });

  it('a member that fails on a worker fails the fit with its own error; other kinds fit on this thread', async () => {
    const { X, y } = problem(300, 5);
    const plan = planOf(300, y, 2);
    const bad = fast({ parallel: true });
    bad.members[1] = { name: 'neural', params: { hidden: 'wide' } };
    await expect(ScoringModel.fit(X, y, null, plan, bad)).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/hidden/),
    });
    registerBaseEstimator(INTERACTION_KIND); // a kind registered here does not exist in a worker
    const model = await ScoringModel.fit(X, y, null, plan, {
      members: [
        { name: 'logistic', params: {} },
        { name: 'interaction_sign', params: {} },
      ],
      seed: 1,
      bands: { hot: 'top 5%', warm: 'top 25%' },
      parallel: true,
    });
    expect(model.memberNames).toEqual(['logistic', 'interaction_sign']);
  });

  it('leaves out a member the blend gives no weight, and says so', async () => {
    registerBaseEstimator(BASE_RATE_KIND);
    const { X, y } = problem(600, 12);
    const model = await ScoringModel.fit(X, y, null, planOf(600, y), {
      members: [
        { name: 'gbdt', params: { maxIter: 20 } },
        { name: 'base_rate', params: {} },
      ],
      seed: 2,
      bands: { hot: 'top 5%', warm: 'top 25%' },
    });
    expect(model.memberNames).toEqual(['gbdt']); // a constant predicts nothing the trees do not
    const rec = model.training!.members.find((m) => m.name === 'base_rate')!;
    expect(rec.kept).toBe(false);
    expect(rec.note).toMatch(/no weight/);
    expect(model.training!.blend.dropped).toEqual(['base_rate']);
  });

  it('chooses among candidates by out-of-fold log loss, within the search budget', async () => {
    const { X, y } = problem(800, 13);
    const plan = planOf(800, y);
    const fit = (searchBudget: number) =>
      ScoringModel.fit(X, y, null, plan, {
        members: [
          {
            name: 'gbdt',
            params: { learningRate: 0.1 },
            // a stump cannot learn the x1*x2 interaction; deeper trees can
            candidates: [{ maxLeafNodes: 2 }, { maxLeafNodes: 8 }, { maxLeafNodes: 4 }],
          },
        ],
        seed: 3,
        bands: { hot: 'top 5%', warm: 'top 25%' },
        searchBudget,
      });
    const wide = (await fit(10)).training!.members[0];
    expect(wide.candidates).toHaveLength(3);
    const best = wide.candidates.reduce((a, c) => (c.oof_logloss < a.oof_logloss ? c : a));
    expect(wide.params).toEqual(best.params);
    expect(wide.params.maxLeafNodes).not.toBe(2);
    expect(wide.oof_logloss).toBe(best.oof_logloss);
    // a budget of one candidate's work tries only the first
    expect((await fit(1)).training!.members[0].candidates).toHaveLength(1);
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
    expect(passThrough.warning).toBeUndefined();
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

/** A fifth, informative one: the sign of x1 * x2 (the interaction a linear model misses), softened. */
class InteractionSign {
  constructor(readonly scale: number) {}
  predictProba(X: DenseMatrix): Float64Array {
    return Float64Array.from({ length: X.rows }, (_, i) => {
      const z = this.scale * Math.sign(X.data[i * X.cols + 1] * X.data[i * X.cols + 2]);
      return 1 / (1 + Math.exp(-z));
    });
  }
  toJSON(): unknown {
    return { scale: this.scale };
  }
}
const INTERACTION_KIND: BaseEstimatorKind = {
  name: 'interaction_sign',
  label: 'interaction sign',
  fit: async () => new InteractionSign(2),
  fromJSON: (json) => new InteractionSign((json as { scale: number }).scale),
};

describe('a fourth base estimator', () => {
  it('is one registration: it is fitted, blended, saved and loaded by name', async () => {
    registerBaseEstimator(INTERACTION_KIND);
    const { X, y } = problem(400, 7);
    const model = await ScoringModel.fit(X, y, null, planOf(400, y), {
      members: [
        { name: 'logistic', params: {} },
        { name: 'interaction_sign', params: {} },
      ],
      seed: 1,
      bands: { hot: 'top 5%', warm: 'top 25%' },
    });
    expect(model.memberNames).toEqual(['logistic', 'interaction_sign']);
    expect(Object.keys(model.blendWeights())).toEqual(['logistic', 'interaction_sign']);
    const out = model.predict(X, null);
    expect(new Set(out.base.interaction_sign).size).toBe(2);
    const back = roundTrip(model);
    expect(Array.from(back.predict(X, null).probability)).toEqual(Array.from(out.probability));
  });

  it('an unknown name is refused with the known ones', async () => {
    const { X, y } = problem(200, 8);
    const fit = ScoringModel.fit(X, y, null, planOf(200, y), {
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
