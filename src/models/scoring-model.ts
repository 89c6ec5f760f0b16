/**
 * The predictive model as one object: named base estimators (logistic, neural, gbdt, ... see
 * base-estimators.ts), a stacking blend of their outputs (with the rule score when there is one), a
 * calibrator for the blend, the rules' own calibration (so rule points can be judged as
 * probabilities), and the reference distribution and band cut-offs resolved on the test split.
 *
 * No row is wasted and no part predicts rows it learned from (see folds.ts):
 *   1. each fold's base models are fitted on the fold's rows (encoders too, via `encodeFor`) and
 *      predict the fold's held-out rows: out-of-fold (OOF) predictions;
 *   2. a member with several candidate parameter sets keeps the one with the lowest OOF log loss;
 *   3. the stacking blend is fitted on the OOF predictions, with non-negative weights: a member the
 *      blend would give no (or a negative) weight is left out, and the card says so;
 *   4. the calibrator is chosen and fitted on cross-fitted blend predictions (each made by a blend
 *      fitted on other rows' OOF predictions);
 *   5. the base models are refitted on every non-test row, reusing what the fold fits learned (the
 *      trees' early-stopped size, the network's best epoch) so none holds rows back.
 * The test rows are only ever predicted.
 */
import { derivedSeed } from '../random.ts';
import { pickValues, takeRows, type DenseMatrix } from '../schema/matrix.ts';
import { DataError } from '../errors.ts';
import { meanLogLoss, rocAucOf } from '../numeric.ts';
import { baseEstimatorKind, type BaseEstimator } from './base-estimators.ts';
import { StackingBlender } from './blend.ts';
import { calibrateBlend } from './blend-calibration.ts';
import { PlattCalibrator } from './calibration.ts';
import { predictedRows, type FitPlan } from './folds.ts';
import { closeLanes, memberLanes, WORKER_MIN_CELLS, type FitLane } from './fit-lanes.ts';
import { LogisticRegression } from './logistic.ts';
import { bandThresholds, quantiles, referencePercentiles, resolveBands, type BandThreshold } from './score.ts';
import {
  blendInputs,
  blendInputsOf,
  CROSS_FIT_GROUPS,
  crossFitGroups,
  predictMembers,
  round,
  workUnits,
} from './scoring-helpers.ts';
import type { MemberSpec, ScoringFitOptions, ScoringOutputs, ScoringParts, TrainingRecord } from './scoring-types.ts';

export type { MemberSpec, ScoringFitOptions, ScoringOutputs, ScoringParts, TrainingRecord } from './scoring-types.ts';

// Rule points are not probabilities: mapped to (0, 1) before Platt, kept off 0 and 1.
const rulePointsAsProbability = (r: number) => Math.min(Math.max(r / 100, 1e-4), 1 - 1e-4);

/** Out-of-fold predictions of one candidate of one member, and what its fold fits learned. */
interface CandidateRun {
  params: Record<string, unknown>;
  oof: Float64Array;
  tuning: unknown[];
  work: number;
  /** the fold models (after settle), handed to the final fit */
  models: BaseEstimator[];
}

/**
 * `fit` for every member, results in member order. Members on worker lanes start first, so their requests
 * are posted before this thread's fits hold it; members on this thread fit one after another, in order.
 */
async function eachMember<T>(
  members: MemberSpec[],
  lanes: FitLane[],
  fit: (spec: MemberSpec, lane: FitLane, k: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<Promise<T>>(members.length);
  members.forEach((spec, k) => {
    if (lanes[k].inThread) return;
    results[k] = fit(spec, lanes[k], k);
    results[k].catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
  });
  for (let k = 0; k < members.length; k++) {
    if (lanes[k].inThread) results[k] = Promise.resolve(await fit(members[k], lanes[k], k));
  }
  return Promise.all(results);
}

/** The fitted predictive model. */
export class ScoringModel {
  private constructor(private readonly parts: ScoringParts) {}

  /** Rebuild from stored parts (the artifact loader's entry point). */
  static fromParts(parts: ScoringParts): ScoringModel {
    const names = new Set(parts.members.map((m) => m.name));
    for (const input of parts.blend.toJSON().state.inputs) {
      if (input.name !== 'rules' && !names.has(input.name)) {
        throw new DataError(`the blend takes '${input.name}' but no such base model was loaded with it`);
      }
    }
    return new ScoringModel(parts);
  }

  /** Fit every part on its own rows (see the file comment); `rules` (0-100 points per row) is optional. */
  static async fit(
    X: DenseMatrix,
    y: Uint8Array,
    rules: Float64Array | null,
    plan: FitPlan,
    opts: ScoringFitOptions,
  ): Promise<ScoringModel> {
    const lanes = memberLanes(opts.members.length, opts.parallel ?? X.rows * X.cols >= WORKER_MIN_CELLS);
    try {
      return await ScoringModel.fitOnLanes(X, y, rules, plan, opts, lanes);
    } finally {
      await closeLanes(lanes);
    }
  }

  /** fit, with each member's fits on its lane (lanes[k] for opts.members[k]). */
  private static async fitOnLanes(
    X: DenseMatrix,
    y: Uint8Array,
    rules: Float64Array | null,
    plan: FitPlan,
    opts: ScoringFitOptions,
    lanes: FitLane[],
  ): Promise<ScoringModel> {
    const stage = opts.onStage ?? (() => undefined);
    if (opts.members.length === 0) throw new DataError('a scoring model needs at least one base estimator');
    if (plan.folds.length === 0) throw new DataError('a scoring model needs at least one fold to learn the blend');
    const oofRows = predictedRows(plan.folds);
    const yOof = pickValues(y, oofRows);
    const position = new Int32Array(X.rows).fill(-1);
    oofRows.forEach((i, k) => (position[i] = k));
    const warnings: string[] = [];

    // 1. fold fits: each fold's matrix (its own encoders), then every candidate of every member
    const foldData = plan.folds.map((fold, f) => {
      // only the fold's own rows are encoded (a CRM fold may use a third of the snapshots)
      const both = new Int32Array(fold.fit.length + fold.predict.length);
      both.set(fold.fit);
      both.set(fold.predict, fold.fit.length);
      const Xf = opts.encodeFor ? opts.encodeFor(fold.fit, both) : takeRows(X, both);
      const fitPart = Int32Array.from({ length: fold.fit.length }, (_, r) => r);
      const predictPart = Int32Array.from({ length: fold.predict.length }, (_, r) => fold.fit.length + r);
      return {
        fit: takeRows(Xf, fitPart),
        y: pickValues(y, fold.fit),
        predict: takeRows(Xf, predictPart),
        yPredict: pickValues(y, fold.predict),
        f,
      };
    });
    for (const fold of plan.folds) opts.onBaseFit?.(fold.fit, fold.predict);
    // each member's candidates on its own lane: with workers, the members fit at the same time
    const memberRuns = async (spec: MemberSpec, lane: FitLane): Promise<CandidateRun[]> => {
      const kind = baseEstimatorKind(spec.name);
      const candidates = spec.candidates?.length ? spec.candidates : [{}];
      const tried: CandidateRun[] = [];
      for (let c = 0; c < candidates.length; c++) {
        const budget = opts.searchBudget ?? 2.5;
        const spent = tried.reduce((a, r) => a + r.work, 0);
        if (c > 0 && spent >= budget * tried[0].work) break;
        const params = { ...spec.params, ...candidates[c] };
        const run: CandidateRun = { params, oof: new Float64Array(oofRows.length), tuning: [], work: 0, models: [] };
        const fits: BaseEstimator[] = [];
        for (const fd of foldData) {
          const which = candidates.length > 1 ? ` (candidate ${c + 1})` : '';
          const label = `fold ${fd.f + 1}/${plan.folds.length}: ${kind.label}${which}`;
          stage(`${label} on ${fd.fit.rows} rows x ${fd.fit.cols} columns`);
          fits.push(
            await lane.fit(kind, fd.fit, fd.y, params, {
              seed: derivedSeed(opts.seed, 1000 + fd.f),
              final: false,
              heldOut: { X: fd.predict, y: fd.yPredict },
              onProgress: (m) => stage(`${label}: ${m}`),
            }),
          );
        }
        // what the folds share (e.g. one tree count), then each fold's held-out rows predicted
        const settled = kind.settle ? kind.settle(fits) : null;
        const estimators = settled ? settled.estimators : fits;
        run.models = estimators;
        run.tuning = settled ? settled.tunings : fits.map((e) => kind.tuning?.(e) ?? null);
        for (const fd of foldData) {
          const fold = plan.folds[fd.f];
          const p = estimators[fd.f].predictProba(fd.predict);
          for (let j = 0; j < fold.predict.length; j++) run.oof[position[fold.predict[j]]] = p[j];
          run.work += fd.fit.rows * workUnits(run.tuning[fd.f]);
        }
        tried.push(run);
      }
      return tried;
    };
    const runs = await eachMember(opts.members, lanes, memberRuns);
    // 2. each member's candidate with the lowest out-of-fold log loss
    const chosen = runs.map((tried) =>
      tried.reduce((best, r) => (meanLogLoss(yOof, r.oof) < meanLogLoss(yOof, best.oof) ? r : best)),
    );

    // 3. the blend on out-of-fold predictions, weights kept non-negative
    stage('stacking blend on out-of-fold predictions');
    const rulesOof = rules ? pickValues(rules, oofRows) : null;
    const oofBase = Object.fromEntries(opts.members.map((m, k) => [m.name, chosen[k].oof]));
    let active = opts.members.map((m) => m.name);
    let useRules = rules !== null;
    const dropped: string[] = [];
    let blend: StackingBlender;
    for (;;) {
      blend = new StackingBlender().fit(blendInputsOf(active, oofBase, useRules ? rulesOof : null), yOof);
      const weights = blend.weights();
      const negative = Object.entries(weights)
        .filter(([, w]) => w <= 0)
        .sort((a, b) => a[1] - b[1]);
      if (negative.length === 0 || Object.keys(weights).length === 1) break;
      const [name] = negative[0];
      dropped.push(name);
      if (name === 'rules') useRules = false;
      else active = active.filter((a) => a !== name);
    }

    // 4. calibration on cross-fitted blend predictions
    stage('calibration on cross-fitted blend predictions');
    const groups = crossFitGroups(oofRows, yOof, plan.group, derivedSeed(opts.seed, 202));
    const blendOof = new Float64Array(oofRows.length);
    for (let g = 0; g < CROSS_FIT_GROUPS; g++) {
      const fitIdx: number[] = [];
      const heldIdx: number[] = [];
      for (let k = 0; k < oofRows.length; k++) (groups[k] === g ? heldIdx : fitIdx).push(k);
      if (heldIdx.length === 0) continue;
      const sub = (idx: number[]) => Object.fromEntries(active.map((n) => [n, pickValues(oofBase[n], idx)]));
      const rulesSub = (idx: number[]) => (useRules && rulesOof ? pickValues(rulesOof, idx) : null);
      const b = new StackingBlender().fit(
        blendInputsOf(active, sub(fitIdx), rulesSub(fitIdx)),
        pickValues(yOof, fitIdx),
      );
      const p = b.predictProba(blendInputsOf(active, sub(heldIdx), rulesSub(heldIdx)));
      heldIdx.forEach((k, j) => (blendOof[k] = p[j]));
    }
    const choice = calibrateBlend(blendOof, yOof, opts.calibration ?? 'auto', derivedSeed(opts.seed, 303));
    if (choice.warning) warnings.push(choice.warning);
    // Rule points mapped to probabilities on the out-of-fold rows, so the rules' log loss, Brier and
    // ECE are judged fairly next to the model's.
    const rulesCalibrator = rulesOof ? new PlattCalibrator().fit(rulesOof.map(rulePointsAsProbability), yOof) : null;
    const rulesState = rulesCalibrator?.toJSON().state;
    if (rulesState && !rulesState.converged) {
      warnings.push('the Platt map of the rule score did not converge: rule probabilities in metrics are approximate');
    }

    // 5. the kept members refitted on every non-test row
    opts.onBaseFit?.(plan.rows, plan.test);
    const Xfit = takeRows(X, plan.rows);
    const yfit = pickValues(y, plan.rows);
    const finalFit = async (spec: MemberSpec, lane: FitLane, k: number) => {
      if (!active.includes(spec.name)) return null;
      const kind = baseEstimatorKind(spec.name);
      stage(`${kind.label} on every non-test row (${Xfit.rows} rows x ${Xfit.cols} columns)`);
      const estimator = await lane.fit(kind, Xfit, yfit, chosen[k].params, {
        seed: opts.seed,
        final: true,
        folds: chosen[k].tuning,
        foldModels: chosen[k].models,
        onProgress: (m) => stage(`${kind.label}: ${m}`),
      });
      return { name: spec.name, estimator };
    };
    const members: ScoringParts['members'] = (await eachMember(opts.members, lanes, finalFit)).filter(
      (m) => m !== null,
    );
    const training: TrainingRecord = {
      folds: {
        kind: plan.kind,
        count: plan.folds.length,
        fitted: plan.folds.map((f) => f.fit.length),
        predicted: plan.folds.map((f) => f.predict.length),
      },
      rows: {
        base_models: plan.rows.length,
        blend: oofRows.length,
        calibrator: oofRows.length,
        test: plan.test.length,
      },
      members: opts.members.map((spec, k) => {
        const kept = active.includes(spec.name);
        return {
          name: spec.name,
          kept,
          params: chosen[k].params,
          oof_logloss: round(meanLogLoss(yOof, chosen[k].oof)),
          oof_auc: round(rocAucOf(chosen[k].oof, yOof)),
          candidates: runs[k].map((r) => ({
            params: r.params,
            oof_logloss: round(meanLogLoss(yOof, r.oof)),
            oof_auc: round(rocAucOf(r.oof, yOof)),
          })),
          folds: chosen[k].tuning,
          note: kept
            ? runs[k].length > 1
              ? `chosen among ${runs[k].length} candidates by out-of-fold log loss`
              : 'fitted with the given parameters'
            : 'the blend gave it no weight (a non-positive coefficient on its out-of-fold predictions), ' +
              'so it was left out',
        };
      }),
      blend: {
        oof_logloss: round(meanLogLoss(yOof, blendOof)),
        oof_auc: round(rocAucOf(blendOof, yOof)),
        dropped,
      },
      warnings,
    };
    const model = new ScoringModel({
      members,
      blend: blend!,
      calibrator: choice.calibrator,
      calibration: { method: choice.method, reason: choice.reason },
      rulesCalibrator,
      reference: [],
      bands: { hot: 0, warm: 0 },
      training,
    });
    // Percentiles and "top N%" bands are resolved against the test split's calibrated probabilities.
    const test = model.predict(takeRows(X, plan.test), rules ? pickValues(rules, plan.test) : null).probability;
    model.parts.reference = quantiles(test, 1001).sort((a, b) => a - b);
    model.parts.bands = resolveBands(opts.bands, test);
    return model;
  }

  /** Probabilities for every row of X (`rules`: the rule score per row, required if the blend takes it). */
  predict(X: DenseMatrix, rules: Float64Array | null): ScoringOutputs {
    return this.combine(this.baseOutputs(X), rules);
  }

  /** Each base model's probability for X: everything that does not need the rule score. */
  baseOutputs(X: DenseMatrix): Record<string, Float64Array> {
    return predictMembers(this.parts.members, X);
  }

  /** Blend and calibrate base outputs with the rule score (required if the blend takes it). */
  combine(base: Record<string, Float64Array>, rules: Float64Array | null): ScoringOutputs {
    if (this.usesRules && !rules) throw new Error('this model blends the rule score: pass rule scores to predict');
    const blend = this.parts.blend.predictProba(blendInputs(this.parts.members, base, this.usesRules ? rules : null));
    return { base, blend, probability: this.parts.calibrator.predict(blend) };
  }

  /** The rule score mapped to a probability by the rules calibrator (for fair comparisons). */
  rulesProbability(rules: Float64Array): Float64Array {
    if (!this.parts.rulesCalibrator) throw new Error('this model has no rules calibrator');
    return this.parts.rulesCalibrator.predict(rules.map(rulePointsAsProbability));
  }

  /** True when the blend takes the rule score as an input. */
  get usesRules(): boolean {
    return this.parts.blend.toJSON().state.inputs.some((i) => i.name === 'rules');
  }

  /** True when a rules calibrator was fitted (the model was trained with a rule score). */
  get hasRulesCalibrator(): boolean {
    return this.parts.rulesCalibrator !== null;
  }

  /** The base estimators' names, in blend order. */
  get memberNames(): string[] {
    return this.parts.members.map((m) => m.name);
  }

  /** Blend weights by input name (for the model card and the CLI). */
  blendWeights(): Record<string, number> {
    return this.parts.blend.weights();
  }

  /** How the blend was calibrated, and why. */
  get calibration(): { method: string; reason: string } {
    return this.parts.calibration;
  }

  /** Band cut-offs on the 0-100 score, resolved at training time. */
  get bands(): { hot: number; warm: number } {
    return this.parts.bands;
  }

  /** The bands as bandFor takes them (hot, warm, cold). */
  bandThresholds(): BandThreshold[] {
    return bandThresholds(this.parts.bands);
  }

  /** Percentile (0-100) of each probability against the test split's reference distribution. */
  percentiles(p: Float64Array): Float64Array {
    return referencePercentiles(p, this.parts.reference);
  }

  /**
   * Explain hook: the coefficients of the linear base model, one per matrix column, when the model
   * has one (reasons rank coef x value per lead); null otherwise.
   */
  linearCoefficients(): Float64Array | null {
    const linear = this.linearMember();
    return linear ? Float64Array.from(linear.coefficients()) : null;
  }

  /** Explain hook: per-cell contributions coef_j x x_ij of the linear base model (null without one). */
  linearContributions(X: DenseMatrix): Float64Array | null {
    return this.linearMember()?.contributions(X) ?? null;
  }

  private linearMember(): LogisticRegression | null {
    const linear = this.parts.members.find((m) => m.estimator instanceof LogisticRegression);
    return linear ? (linear.estimator as LogisticRegression) : null;
  }

  /** How the model was fitted (null when loaded from an artifact that did not record it). */
  get training(): TrainingRecord | null {
    return this.parts.training ?? null;
  }

  /** The parts, for the artifact writer. */
  toParts(): Readonly<ScoringParts> {
    return this.parts;
  }
}
