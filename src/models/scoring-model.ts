/**
 * The predictive model as one object: named base estimators (logistic, neural, gbdt, ... see
 * base-estimators.ts), a stacking blend of their outputs (with the rule score when there is one), a
 * calibrator for the blend, the rules' own calibration (so rule points can be judged as
 * probabilities), and the reference distribution and band cut-offs resolved on the test split.
 *
 * Each part is fitted on its own rows (see stacking.ts): no part ever predicts rows it was fitted on,
 * and the calibration and test splits stay unseen until their turn.
 */
import { derivedSeed } from '../random.ts';
import { pickValues, takeRows, type DenseMatrix } from '../schema/matrix.ts';
import { DataError } from '../errors.ts';
import { baseEstimatorKind, type BaseEstimator } from './base-estimators.ts';
import { StackingBlender, type BaseInput } from './blend.ts';
import { calibrateBlend } from './blend-calibration.ts';
import { PlattCalibrator, type CalibrationMethod, type Calibrator } from './calibration.ts';
import { LogisticRegression } from './logistic.ts';
import { stratifiedFolds } from './random.ts';
import { bandThresholds, quantiles, referencePercentiles, resolveBands, type BandThreshold } from './score.ts';
import { baseModelRows, chooseStacking, type Splits, type StackingMode } from './stacking.ts';

/** One base estimator to fit: a registered kind's name and its parameters. */
export interface MemberSpec {
  name: string;
  params: Record<string, unknown>;
}

/** Options for ScoringModel.fit. */
export interface ScoringFitOptions {
  /** the base estimators, in blend order */
  members: MemberSpec[];
  calibration?: CalibrationMethod;
  seed: number;
  /** default 'auto' (see chooseStacking) */
  stacking?: StackingMode | 'auto';
  /** folds for cv stacking (default 5) */
  folds?: number;
  /** band thresholds to resolve on the test split's probabilities ("top 5%" or scores) */
  bands: { hot: number | string; warm: number | string };
  onStage?: (stage: string) => void;
  /**
   * cv only: fit encoders on `fitRows` and encode every row with them, so each fold's encoders never
   * see its held-out rows. Without it every fold uses X as given (already encoded).
   */
  encodeFor?: (fitRows: Int32Array) => DenseMatrix;
  /** called with the rows each base model is fitted on and the rows it then predicts (for tests) */
  onBaseFit?: (fitted: Int32Array, predicted: Int32Array) => void;
}

/** Every output of predict: each base model's probability by name, the blend, the calibrated probability. */
export interface ScoringOutputs {
  base: Record<string, Float64Array>;
  blend: Float64Array;
  probability: Float64Array;
}

/** The parts a fitted model is made of (what the artifact stores, and fromParts rebuilds). */
export interface ScoringParts {
  members: Array<{ name: string; estimator: BaseEstimator }>;
  blend: StackingBlender;
  calibrator: Calibrator;
  calibration: { method: string; reason: string };
  rulesCalibrator: Calibrator | null;
  /** sorted calibrated probabilities of the test split (percentiles rank against them) */
  reference: number[];
  bands: { hot: number; warm: number };
}

// Rule points are not probabilities: mapped to (0, 1) before Platt, kept off 0 and 1.
const rulePointsAsProbability = (r: number) => Math.min(Math.max(r / 100, 1e-4), 1 - 1e-4);

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

  /** Fit every part on its own rows; `rules` (0-100 points per row) is optional. */
  static async fit(
    X: DenseMatrix,
    y: Uint8Array,
    rules: Float64Array | null,
    splits: Splits,
    opts: ScoringFitOptions,
  ): Promise<ScoringModel> {
    const stage = opts.onStage ?? (() => undefined);
    if (opts.members.length === 0) throw new DataError('a scoring model needs at least one base estimator');
    const stacking = chooseStacking(opts.stacking, splits.train.length + splits.validation.length);
    const baseRows = baseModelRows(splits, stacking);
    const fitMembers = async (M: DenseMatrix, rows: Int32Array, seed: number, final: boolean, label: string) => {
      const Xf = takeRows(M, rows);
      const yf = pickValues(y, rows);
      const fitted: ScoringParts['members'] = [];
      for (const spec of opts.members) {
        const kind = baseEstimatorKind(spec.name);
        stage(`${label}${kind.label} on ${Xf.rows} rows x ${Xf.cols} columns`);
        const onProgress = (m: string) => stage(`${label}${kind.label}: ${m}`);
        fitted.push({ name: spec.name, estimator: await kind.fit(Xf, yf, spec.params, { seed, final, onProgress }) });
      }
      return fitted;
    };

    // Predictions the blend learns from: made by base models that never saw those rows.
    let blendRows: Int32Array;
    let blendBase: Record<string, Float64Array>;
    if (stacking === 'cv') {
      const k = opts.folds ?? 5;
      const fold = stratifiedFolds(pickValues(y, baseRows), k, derivedSeed(opts.seed, 101));
      blendRows = baseRows;
      blendBase = Object.fromEntries(opts.members.map((m) => [m.name, new Float64Array(baseRows.length)]));
      for (let f = 0; f < k; f++) {
        const inFold: number[] = [];
        const outFold: number[] = [];
        for (let r = 0; r < baseRows.length; r++) (fold[r] === f ? outFold : inFold).push(r);
        const fitRows = Int32Array.from(inFold, (r) => baseRows[r]);
        const heldOut = Int32Array.from(outFold, (r) => baseRows[r]);
        opts.onBaseFit?.(fitRows, heldOut);
        const Xfold = opts.encodeFor ? opts.encodeFor(fitRows) : X;
        const members = await fitMembers(
          Xfold,
          fitRows,
          derivedSeed(opts.seed, 1000 + f),
          false,
          `fold ${f + 1}/${k}: `,
        );
        const Xout = takeRows(Xfold, heldOut);
        for (const m of members) {
          const p = m.estimator.predictProba(Xout);
          const into = blendBase[m.name];
          for (let j = 0; j < outFold.length; j++) into[outFold[j]] = p[j];
        }
      }
    }
    const predicted = stacking === 'cv' ? splits.calibration : concat(splits.validation, splits.calibration);
    opts.onBaseFit?.(baseRows, predicted);
    const members = await fitMembers(X, baseRows, opts.seed, true, '');
    if (stacking === 'holdout') {
      blendRows = splits.validation;
      blendBase = predictMembers(members, takeRows(X, splits.validation));
    }

    stage(stacking === 'cv' ? 'stacking blend on out-of-fold predictions' : 'stacking blend on the validation split');
    const blendRules = rules ? pickValues(rules, blendRows!) : null;
    const blend = new StackingBlender().fit(blendInputs(members, blendBase!, blendRules), pickValues(y, blendRows!));

    stage('calibration on the calibration split');
    const yca = pickValues(y, splits.calibration);
    const rulesCa = rules ? pickValues(rules, splits.calibration) : null;
    const baseCa = predictMembers(members, takeRows(X, splits.calibration));
    const blendCa = blend.predictProba(blendInputs(members, baseCa, rulesCa));
    const choice = calibrateBlend(blendCa, yca, opts.calibration ?? 'auto', opts.seed);
    // Rule points mapped to probabilities on the same split, so the rules' log loss, Brier and ECE
    // are judged fairly next to the model's.
    const rulesCalibrator = rulesCa ? new PlattCalibrator().fit(rulesCa.map(rulePointsAsProbability), yca) : null;
    const model = new ScoringModel({
      members,
      blend,
      calibrator: choice.calibrator,
      calibration: { method: choice.method, reason: choice.reason },
      rulesCalibrator,
      reference: [],
      bands: { hot: 0, warm: 0 },
    });
    // Percentiles and "top N%" bands are resolved against the test split's calibrated probabilities.
    const test = model.predict(takeRows(X, splits.test), rules ? pickValues(rules, splits.test) : null).probability;
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

  /** The parts, for the artifact writer. */
  toParts(): Readonly<ScoringParts> {
    return this.parts;
  }
}

function predictMembers(members: ScoringParts['members'], X: DenseMatrix): Record<string, Float64Array> {
  return Object.fromEntries(members.map((m) => [m.name, m.estimator.predictProba(X)]));
}

function blendInputs(
  members: ScoringParts['members'],
  base: Record<string, Float64Array>,
  rules: Float64Array | null,
): BaseInput[] {
  const inputs: BaseInput[] = members.map((m) => {
    const values = base[m.name];
    if (!values) throw new DataError(`no predictions of base model '${m.name}' to blend`);
    return { name: m.name, values, transform: 'logit' };
  });
  if (rules) inputs.push({ name: 'rules', values: rules, transform: 'scale100' });
  return inputs;
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
