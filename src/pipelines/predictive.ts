import {
  LogisticRegression,
  PlattCalibrator,
  StackingBlender,
  calibratorFromJSON,
  chooseCalibrator,
  type BaseInput,
  type Calibrator,
  type CalibrationMethod,
} from '../models/index.ts';
import { stratifiedFolds } from '../models/random.ts';
import { GradientBoosting, type GbdtJSON } from '../models/gbdt.ts';
import { NeuralEnsemble, memberSeed, type NeuralEnsembleJSON } from './neural-ensemble.ts';
import { summarize, type MetricSummary } from '../evaluate/metrics.ts';
import { takeRows, type DenseMatrix } from '../schema/matrix.ts';

/**
 * The predictive model as one unit: a logistic and a neural model, a stacking blend (with the rule
 * score when there is one) and a calibrator fitted on the calibration split. Two ways to stack:
 *   holdout: base models on the training split, the blend on the validation split (cheap: big data)
 *   cv:      K-fold cross-fitting on training + validation rows: each fold's base models (and, via
 *            `encodeFor`, its encoders) see only the other folds, their out-of-fold predictions fit
 *            the blend, then the base models are refitted on all those rows (scikit-learn's
 *            StackingClassifier recipe; every row teaches the base models, small data gains most)
 * Either way no part ever predicts rows it was fitted on, and the calibration and test splits stay unseen.
 */

/** How the blend gets predictions the base models were not fitted on. */
export type StackingMode = 'holdout' | 'cv';

/** Below this many base rows 'auto' stacks with cv (K+1 fits are affordable); above, holdout. */
export const CV_STACKING_MAX_ROWS = 200_000;

/**
 * Resolve 'auto': cv for small flat data, holdout for big data and for time-ordered snapshots (random
 * folds would put one lead's earlier and later snapshots on both sides, flattering the out-of-fold
 * predictions the blend learns from).
 */
export function chooseStacking(
  requested: StackingMode | 'auto' | undefined,
  baseRows: number,
  timeOrdered = false,
): StackingMode {
  if (requested && requested !== 'auto') return requested;
  return baseRows < CV_STACKING_MAX_ROWS && !timeOrdered ? 'cv' : 'holdout';
}

/** Rows the final base models (and encoders) are fitted on: train (holdout) or train + validation (cv). */
export function baseModelRows(splits: Splits, stacking: StackingMode): Int32Array {
  if (stacking === 'holdout') return splits.train;
  return Int32Array.from([...splits.train, ...splits.validation]).sort();
}

/** Row indices of the four splits. */
export interface Splits {
  train: Int32Array;
  validation: Int32Array;
  calibration: Int32Array;
  test: Int32Array;
}

/** Options for fitting the predictive bundle. */
export interface FitPredictiveOptions {
  logistic?: Record<string, unknown>;
  neural?: Record<string, unknown>;
  calibration?: CalibrationMethod;
  seed: number;
  onStage?: (stage: string) => void;
  /** default 'auto' (see chooseStacking) */
  stacking?: StackingMode | 'auto';
  /** folds for cv stacking (default 5) */
  folds?: number;
  /** gradient-boosted trees as a third base model (params; absent or null: none) */
  gbdt?: Record<string, unknown> | null;
  /** neural networks averaged in the final model (default 1; seeds derived from `seed`) */
  neuralEnsemble?: number;
  /**
   * cv only: fit encoders on `fitRows` and encode every row with them, so each fold's encoders never
   * see its held-out rows. Without it every fold uses X as given (already encoded).
   */
  encodeFor?: (fitRows: Int32Array) => DenseMatrix;
  /** test hook: called with the rows each base model is fitted on and the rows it then predicts */
  onBaseFit?: (fitted: Int32Array, predicted: Int32Array) => void;
}

/** Test-split metrics per scorer: logistic, neural, rules (when present) and the calibrated blend. */
export type TestMetrics = Record<string, MetricSummary>;

/** What `predict` returns: base-model outputs, the blend and the calibrated probability. */
export interface PredictiveOutputs {
  logistic: Float64Array;
  neural: Float64Array;
  gbdt?: Float64Array;
  blend: Float64Array;
  probability: Float64Array;
}

/** The base models' probabilities, before the blend. */
export type BaseOutputs = Pick<PredictiveOutputs, 'logistic' | 'neural' | 'gbdt'>;

/** The serialized bundle (weights live in the artifact's files; this is their JSON). */
export interface PredictiveJSON {
  logistic: ReturnType<LogisticRegression['toJSON']>;
  neural: NeuralEnsembleJSON;
  /** present when the blend takes gradient-boosted trees */
  gbdt?: GbdtJSON;
  blend: ReturnType<StackingBlender['toJSON']>;
  calibrator: ReturnType<Calibrator['toJSON']>;
  rulesCalibrator: ReturnType<Calibrator['toJSON']> | null;
  usesRules: boolean;
}

function pick(a: Uint8Array, idx: Int32Array): Uint8Array;
function pick(a: Float64Array, idx: Int32Array): Float64Array;
function pick(a: Uint8Array | Float64Array, idx: Int32Array): Uint8Array | Float64Array {
  const out = a instanceof Uint8Array ? new Uint8Array(idx.length) : new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

function baseInputs(
  logistic: Float64Array,
  neural: Float64Array,
  rules: Float64Array | null,
  gbdt: Float64Array | null = null,
): BaseInput[] {
  const inputs: BaseInput[] = [
    { name: 'logistic', values: logistic, transform: 'logit' },
    { name: 'neural', values: neural, transform: 'logit' },
  ];
  if (gbdt) inputs.push({ name: 'gbdt', values: gbdt, transform: 'logit' });
  if (rules) inputs.push({ name: 'rules', values: rules, transform: 'scale100' });
  return inputs;
}

/** Platt with slope 1 and intercept 0: passes probabilities through unchanged (stored like any Platt map). */
export function identityCalibrator(): Calibrator {
  return PlattCalibrator.fromJSON({
    kind: 'platt',
    params: new PlattCalibrator().params,
    state: { slope: 1, intercept: 0, converged: true },
  });
}

function meanLogLoss(y: Uint8Array, p: Float64Array): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(p[i], 1e-15), 1 - 1e-15);
    total -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return total / y.length;
}

/** Out-of-fold log loss of Platt on (p, y): what a Platt map fitted there would score on new rows. */
function plattOutOfFoldLogLoss(p: Float64Array, y: Uint8Array, seed: number, folds = 5): number {
  const fold = stratifiedFolds(y, folds, seed);
  const predicted = new Float64Array(p.length);
  for (let f = 0; f < folds; f++) {
    const fit = Int32Array.from({ length: p.length }, (_, i) => i).filter((i) => fold[i] !== f);
    const held = Int32Array.from({ length: p.length }, (_, i) => i).filter((i) => fold[i] === f);
    const q = new PlattCalibrator().fit(pick(p, fit), pick(y, fit)).predict(pick(p, held));
    for (let k = 0; k < held.length; k++) predicted[held[k]] = q[k];
  }
  return meanLogLoss(y, predicted);
}

/**
 * The calibrator for the blend. The blend is itself a logistic regression on out-of-sample base
 * predictions, so it is often calibrated already, and a map fitted on a small calibration split
 * adds noise (measured on X Education: ECE 0.015 raw, 0.022-0.030 after Platt on 924 rows). In
 * 'auto' mode the unchanged blend is kept when its log loss on the calibration split is no worse
 * than the chosen map's out-of-fold log loss there (a fair comparison: the identity fits nothing).
 */
export function calibrateBlend(
  p: Float64Array,
  y: Uint8Array,
  method: CalibrationMethod,
  seed: number,
): { calibrator: Calibrator; method: string; reason: string } {
  const choice = chooseCalibrator(p, y, { method, seed });
  if (method !== 'auto') return choice;
  const fitted =
    choice.method === 'isotonic'
      ? Math.min(choice.cvLogLoss.isotonic ?? Infinity, choice.cvLogLoss.platt ?? Infinity)
      : (choice.cvLogLoss.platt ?? plattOutOfFoldLogLoss(p, y, seed));
  const identity = meanLogLoss(y, p);
  if (identity <= fitted) {
    return {
      calibrator: identityCalibrator(),
      method: 'none',
      reason: `the blend is already calibrated: log loss ${identity.toFixed(5)} on the calibration split vs ${fitted.toFixed(5)} out-of-fold for ${choice.method}`,
    };
  }
  return {
    ...choice,
    reason: `${choice.reason}; log loss out-of-fold ${choice.method} ${fitted.toFixed(5)}, unchanged blend ${identity.toFixed(5)}`,
  };
}

/** The fitted predictive bundle. */
export class PredictiveModel {
  private constructor(
    readonly logistic: LogisticRegression,
    readonly neural: NeuralEnsemble,
    readonly gbdt: GradientBoosting | null,
    readonly blend: StackingBlender,
    readonly calibrator: Calibrator,
    /** maps the rule score to a probability (fitted on the calibration split), for fair rule metrics */
    readonly rulesCalibrator: Calibrator | null,
    readonly calibrationMethod: string,
    readonly calibrationReason: string,
  ) {}

  /** Fit every part on its own split; `rules` (0-100 points per row) is optional. */
  static async fit(
    X: DenseMatrix,
    y: Uint8Array,
    rules: Float64Array | null,
    splits: Splits,
    opts: FitPredictiveOptions,
  ): Promise<PredictiveModel> {
    const stage = opts.onStage ?? (() => undefined);
    const stacking = chooseStacking(opts.stacking, splits.train.length + splits.validation.length);
    const baseRows = baseModelRows(splits, stacking);
    const fitBase = async (M: DenseMatrix, rows: Int32Array, ensemble: number, seed: number, label: string) => {
      const Xf = takeRows(M, rows);
      const yf = pick(y, rows);
      stage(`${label}logistic regression on ${Xf.rows} rows x ${Xf.cols} columns`);
      const logistic = new LogisticRegression(opts.logistic ?? {}).fit(Xf, yf);
      stage(`${label}neural network${ensemble > 1 ? ` (${ensemble} seeds averaged)` : ''}`);
      // Early stopping uses a seeded holdout inside the rows given, so held-out rows stay unseen.
      const neural = await NeuralEnsemble.fit(Xf, yf, { ...(opts.neural ?? {}), seed }, ensemble, (m) =>
        stage(`${label}neural network: ${m}`),
      );
      if (opts.gbdt) stage(`${label}gradient-boosted trees`);
      const gbdt = opts.gbdt ? new GradientBoosting(opts.gbdt).fit(Xf, yf) : null;
      return { logistic, neural, gbdt };
    };

    // Predictions the blend learns from: made by base models that never saw those rows.
    let blendRows: Int32Array;
    let blendLogistic: Float64Array;
    let blendNeural: Float64Array;
    let blendGbdt: Float64Array | null = null;
    if (stacking === 'cv') {
      const k = opts.folds ?? 5;
      const fold = stratifiedFolds(pick(y, baseRows), k, memberSeed(opts.seed, 101));
      blendRows = baseRows;
      blendLogistic = new Float64Array(baseRows.length);
      blendNeural = new Float64Array(baseRows.length);
      blendGbdt = opts.gbdt ? new Float64Array(baseRows.length) : null;
      for (let f = 0; f < k; f++) {
        const inFold: number[] = [];
        const outFold: number[] = [];
        for (let r = 0; r < baseRows.length; r++) (fold[r] === f ? outFold : inFold).push(r);
        const fitRows = Int32Array.from(inFold, (r) => baseRows[r]);
        const heldOut = Int32Array.from(outFold, (r) => baseRows[r]);
        opts.onBaseFit?.(fitRows, heldOut);
        const Xfold = opts.encodeFor ? opts.encodeFor(fitRows) : X;
        const base = await fitBase(Xfold, fitRows, 1, memberSeed(opts.seed, 1000 + f), `fold ${f + 1}/${k}: `);
        const Xout = takeRows(Xfold, heldOut);
        const pl = base.logistic.predictProba(Xout);
        const pn = base.neural.predictProba(Xout);
        const pg = base.gbdt?.predictProba(Xout);
        for (let j = 0; j < outFold.length; j++) {
          blendLogistic[outFold[j]] = pl[j];
          blendNeural[outFold[j]] = pn[j];
          if (blendGbdt && pg) blendGbdt[outFold[j]] = pg[j];
        }
      }
    }
    opts.onBaseFit?.(
      baseRows,
      stacking === 'cv' ? splits.calibration : Int32Array.from([...splits.validation, ...splits.calibration]),
    );
    const { logistic, neural, gbdt } = await fitBase(X, baseRows, opts.neuralEnsemble ?? 1, opts.seed, '');
    if (stacking === 'holdout') {
      blendRows = splits.validation;
      const Xva = takeRows(X, splits.validation);
      blendLogistic = logistic.predictProba(Xva);
      blendNeural = neural.predictProba(Xva);
      blendGbdt = gbdt ? gbdt.predictProba(Xva) : null;
    }

    stage(stacking === 'cv' ? 'stacking blend on out-of-fold predictions' : 'stacking blend on the validation split');
    const blend = new StackingBlender().fit(
      baseInputs(blendLogistic!, blendNeural!, rules ? pick(rules, blendRows!) : null, blendGbdt),
      pick(y, blendRows!),
    );

    stage('calibration on the calibration split');
    const Xca = takeRows(X, splits.calibration);
    const yca = pick(y, splits.calibration);
    const rulesCa = rules ? pick(rules, splits.calibration) : null;
    const blendCa = blend.predictProba(
      baseInputs(logistic.predictProba(Xca), neural.predictProba(Xca), rulesCa, gbdt?.predictProba(Xca) ?? null),
    );
    const choice = calibrateBlend(blendCa, yca, opts.calibration ?? 'auto', opts.seed);
    // Rule points are not probabilities: map them with Platt on the same calibration split so the
    // rules' log loss, Brier and ECE are judged fairly next to the model's.
    const rulesCalibrator = rulesCa
      ? new PlattCalibrator().fit(
          rulesCa.map((r) => Math.min(Math.max(r / 100, 1e-4), 1 - 1e-4)),
          yca,
        )
      : null;
    return new PredictiveModel(
      logistic,
      neural,
      gbdt,
      blend,
      choice.calibrator,
      rulesCalibrator,
      choice.method,
      choice.reason,
    );
  }

  /** Probabilities for every row of X (rules: the rule score per row, required if the model uses rules). */
  predict(X: DenseMatrix, rules: Float64Array | null): PredictiveOutputs {
    return this.combine(this.baseOutputs(X), rules);
  }

  /**
   * The base models' probabilities for X: everything that does not need the rule score (predict =
   * combine(baseOutputs)).
   */
  baseOutputs(X: DenseMatrix): BaseOutputs {
    const gbdt = this.gbdt ? this.gbdt.predictProba(X) : null;
    return { logistic: this.logistic.predictProba(X), neural: this.neural.predictProba(X), ...(gbdt ? { gbdt } : {}) };
  }

  /** Blend and calibrate base outputs with the rule score (required if the model uses rules). */
  combine(base: BaseOutputs, rules: Float64Array | null): PredictiveOutputs {
    if (this.usesRules && !rules) throw new Error('this model blends the rule score: pass rule scores to predict');
    const blend = this.blend.predictProba(
      baseInputs(base.logistic, base.neural, this.usesRules ? rules : null, base.gbdt ?? null),
    );
    const probability = this.calibrator.predict(blend);
    return { ...base, blend, probability };
  }

  /** The rule score mapped to a probability by the rules calibrator (for fair comparisons). */
  rulesProbability(rules: Float64Array): Float64Array {
    if (!this.rulesCalibrator) throw new Error('this model has no rules calibrator');
    return this.rulesCalibrator.predict(rules.map((r) => Math.min(Math.max(r / 100, 1e-4), 1 - 1e-4)));
  }

  /** True when the blend takes the rule score as an input. */
  get usesRules(): boolean {
    return this.blend.toJSON().state.inputs.some((i) => i.name === 'rules');
  }

  /** Test-split metrics of each scorer. */
  testMetrics(X: DenseMatrix, y: Uint8Array, rules: Float64Array | null, test: Int32Array): TestMetrics {
    const Xte = takeRows(X, test);
    const yte = pick(y, test);
    const rte = rules ? pick(rules, test) : null;
    const out = this.predict(Xte, rte);
    const metrics: TestMetrics = {
      logistic: summarize(yte, out.logistic),
      neural: summarize(yte, out.neural),
    };
    if (out.gbdt) metrics.gbdt = summarize(yte, out.gbdt);
    if (rte && this.rulesCalibrator) metrics.rules = summarize(yte, this.rulesProbability(rte));
    metrics.blend = summarize(yte, out.probability);
    return metrics;
  }

  /** Blend weights by input name (for the model card and the CLI). */
  blendWeights(): Record<string, number> {
    return this.blend.weights();
  }

  /** Serialize every part. */
  toJSON(): PredictiveJSON {
    return {
      logistic: this.logistic.toJSON(),
      neural: this.neural.toJSON(),
      ...(this.gbdt ? { gbdt: this.gbdt.toJSON() } : {}),
      blend: this.blend.toJSON(),
      calibrator: this.calibrator.toJSON(),
      rulesCalibrator: this.rulesCalibrator?.toJSON() ?? null,
      usesRules: this.usesRules,
    };
  }

  /** Rebuild from toJSON() output; predictions are bit-identical to the original. */
  static fromJSON(
    json: PredictiveJSON,
    calibration: { method: string; reason: string } = { method: json.calibrator.kind, reason: 'loaded' },
  ): PredictiveModel {
    if (!json.gbdt && json.blend.state.inputs.some((i) => i.name === 'gbdt')) {
      throw new Error('this model blends gradient-boosted trees but no gbdt.json was loaded with it');
    }
    return new PredictiveModel(
      LogisticRegression.fromJSON(json.logistic),
      NeuralEnsemble.fromJSON(json.neural),
      json.gbdt ? GradientBoosting.fromJSON(json.gbdt) : null,
      StackingBlender.fromJSON(json.blend),
      calibratorFromJSON(json.calibrator),
      json.rulesCalibrator ? calibratorFromJSON(json.rulesCalibrator) : null,
      calibration.method,
      calibration.reason,
    );
  }
}
