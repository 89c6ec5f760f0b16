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
import { NeuralNet } from '../models/neural.ts';
import { summarize, type MetricSummary } from '../evaluate/metrics.ts';
import { takeRows, type DenseMatrix } from '../schema/matrix.ts';

/**
 * The predictive model as one unit: a logistic and a neural model fitted on the training split, a
 * stacking blend (with the rule score when there is one) fitted on the validation split, and a
 * calibrator fitted on the calibration split. Each part sees only its own split.
 */

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
}

/** Test-split metrics per scorer: logistic, neural, rules (when present) and the calibrated blend. */
export type TestMetrics = Record<string, MetricSummary>;

/** What `predict` returns: base-model outputs, the blend and the calibrated probability. */
export interface PredictiveOutputs {
  logistic: Float64Array;
  neural: Float64Array;
  blend: Float64Array;
  probability: Float64Array;
}

/** The serialized bundle (weights live in the artifact's files; this is their JSON). */
export interface PredictiveJSON {
  logistic: ReturnType<LogisticRegression['toJSON']>;
  neural: ReturnType<NeuralNet['toJSON']>;
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

function baseInputs(logistic: Float64Array, neural: Float64Array, rules: Float64Array | null): BaseInput[] {
  const inputs: BaseInput[] = [
    { name: 'logistic', values: logistic, transform: 'logit' },
    { name: 'neural', values: neural, transform: 'logit' },
  ];
  if (rules) inputs.push({ name: 'rules', values: rules, transform: 'scale100' });
  return inputs;
}

/** The fitted predictive bundle. */
export class PredictiveModel {
  private constructor(
    readonly logistic: LogisticRegression,
    readonly neural: NeuralNet,
    readonly blend: StackingBlender,
    readonly calibrator: Calibrator,
    /** maps the rule score to a probability (fitted on the calibration split), for fair rule metrics */
    readonly rulesCalibrator: Calibrator | null,
    readonly calibrationMethod: string,
    readonly calibrationReason: string,
  ) {}

  /** Fit every part on its own split; `rules` (0-100 points per row) is optional. */
  static async fit(X: DenseMatrix, y: Uint8Array, rules: Float64Array | null, splits: Splits, opts: FitPredictiveOptions): Promise<PredictiveModel> {
    const stage = opts.onStage ?? (() => undefined);
    const Xtr = takeRows(X, splits.train);
    const ytr = pick(y, splits.train);
    stage(`logistic regression on ${Xtr.rows} rows x ${Xtr.cols} columns`);
    const logistic = new LogisticRegression(opts.logistic ?? {}).fit(Xtr, ytr);
    stage('neural network');
    // Early stopping uses a seeded holdout inside the training split, so the validation split stays
    // unseen until the blend is fitted on it.
    const neural = await new NeuralNet({ seed: opts.seed, ...(opts.neural ?? {}) }).fit(Xtr, ytr, {
      onProgress: (m) => stage(`neural network: ${m}`),
    });

    stage('stacking blend on the validation split');
    const Xva = takeRows(X, splits.validation);
    const yva = pick(y, splits.validation);
    const blend = new StackingBlender().fit(
      baseInputs(logistic.predictProba(Xva), neural.predictProba(Xva), rules ? pick(rules, splits.validation) : null),
      yva,
    );

    stage('calibration on the calibration split');
    const Xca = takeRows(X, splits.calibration);
    const yca = pick(y, splits.calibration);
    const rulesCa = rules ? pick(rules, splits.calibration) : null;
    const blendCa = blend.predictProba(baseInputs(logistic.predictProba(Xca), neural.predictProba(Xca), rulesCa));
    const choice = chooseCalibrator(blendCa, yca, { method: opts.calibration ?? 'auto', seed: opts.seed });
    // Rule points are not probabilities: map them with Platt on the same calibration split so the
    // rules' log loss, Brier and ECE are judged fairly next to the model's.
    const rulesCalibrator = rulesCa ? new PlattCalibrator().fit(rulesCa.map((r) => Math.min(Math.max(r / 100, 1e-4), 1 - 1e-4)), yca) : null;
    return new PredictiveModel(logistic, neural, blend, choice.calibrator, rulesCalibrator, choice.method, choice.reason);
  }

  /** Probabilities for every row of X (rules: the rule score per row, required if the model uses rules). */
  predict(X: DenseMatrix, rules: Float64Array | null): PredictiveOutputs {
    if (this.usesRules && !rules) throw new Error('this model blends the rule score: pass rule scores to predict');
    const logistic = this.logistic.predictProba(X);
    const neural = this.neural.predictProba(X);
    const blend = this.blend.predictProba(baseInputs(logistic, neural, this.usesRules ? rules : null));
    const probability = this.calibrator.predict(blend);
    return { logistic, neural, blend, probability };
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
      blend: this.blend.toJSON(),
      calibrator: this.calibrator.toJSON(),
      rulesCalibrator: this.rulesCalibrator?.toJSON() ?? null,
      usesRules: this.usesRules,
    };
  }

  /** Rebuild from toJSON() output; predictions are bit-identical to the original. */
  static fromJSON(json: PredictiveJSON, calibration: { method: string; reason: string } = { method: json.calibrator.kind, reason: 'loaded' }): PredictiveModel {
    return new PredictiveModel(
      LogisticRegression.fromJSON(json.logistic),
      NeuralNet.fromJSON(json.neural),
      StackingBlender.fromJSON(json.blend),
      calibratorFromJSON(json.calibrator),
      json.rulesCalibrator ? calibratorFromJSON(json.rulesCalibrator) : null,
      calibration.method,
      calibration.reason,
    );
  }
}
