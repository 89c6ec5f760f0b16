/**
 * L2-regularized logistic regression with scikit-learn's objective, solved by Newton's method.
 *
 *   minimize  0.5·||w||² + C · Σ_i s_i · logloss_i(w, b)      (intercept b not penalized)
 *
 * s_i = sample weight × class weight. Newton (IRLS) converges in a handful of passes, each pass
 * accumulating the Hessian in Float64 over the rows; the small d×d system is solved by Cholesky.
 */
import { z } from 'zod';
import type { DenseMatrix } from '../schema/matrix.ts';
import type { Estimator, FitOptions } from '../schema/estimator.ts';
import { ConfigError, DataError } from '../errors.ts';
import { sigmoid } from './link.ts';
import { Problem, dot, maxAbs, newtonDirection } from './logistic-newton.ts';
import { effectiveWeights, parseParams } from './estimator-kit.ts';
import type { BaseEstimatorKind } from './base-estimator.ts';

/** Hyper-parameters, validated in the constructor. */
export const LogisticParamsSchema = z
  .object({
    /** inverse regularization strength, as in scikit-learn */
    C: z.number().positive().finite().default(1),
    /** 'balanced' weights each class by n / (2 · n_class), as scikit-learn does */
    classWeight: z.literal('balanced').nullable().default(null),
    maxIter: z.number().int().positive().default(100),
    /** stop when every component of the gradient of the per-weight-unit objective is below tol */
    tol: z.number().positive().default(1e-8),
    fitIntercept: z.boolean().default(true),
    /**
     * above this many rows each Newton step's Hessian is estimated from an even sample of this many
     * (the gradient and so the optimum use every row): CRM snapshots have hundreds of thousands
     */
    hessianRows: z.number().int().positive().default(100_000),
  })
  .strict();

export type LogisticParams = z.infer<typeof LogisticParamsSchema>;
export type LogisticParamsInput = z.input<typeof LogisticParamsSchema>;

/** Learned state: everything predictProba needs, JSON-safe. */
export const LogisticStateSchema = z
  .object({
    coef: z.array(z.number()),
    intercept: z.number(),
    nIter: z.number().int().nonnegative(),
    converged: z.boolean(),
  })
  .strict();

export type LogisticState = z.infer<typeof LogisticStateSchema>;

/** The serialized form: kind, params and learned state. */
export interface LogisticJSON {
  kind: 'logistic';
  params: LogisticParams;
  state: LogisticState;
}

// Armijo sufficient-decrease constant and the smallest step the line search tries.
const ARMIJO = 1e-4;
const MIN_STEP = 1e-10;
// Relative objective change below this is float noise: Newton cannot improve further.
const REL_OBJECTIVE_FLOOR = 1e-15;
// A Newton decrement below this (relative to the objective) cannot be seen in the objective's value.
const DECREMENT_FLOOR = 1e-12;

/** L2 logistic regression (scikit-learn's LogisticRegression(penalty='l2') optimum). */
export class LogisticRegression implements Estimator<LogisticState> {
  readonly kind = 'logistic' as const;
  readonly params: LogisticParams;
  /** learned state; null until fit (or fromJSON) */
  state: LogisticState | null = null;
  /** the matrix columns of the last fit (not serialized; lets another fit start from these coefficients) */
  columns: string[] = [];

  /** Validate params; nothing else. */
  constructor(params: LogisticParamsInput = {}) {
    this.params = parseParams(LogisticParamsSchema, params, 'logistic regression');
  }

  /**
   * Fit by Newton's method with backtracking; keeps no reference to X, y or the weights. `start`
   * (a fitted model's coefficients by column name, and its intercept) only sets where Newton begins:
   * the optimum is the same, reached in fewer iterations when the start is close.
   */
  fit(X: DenseMatrix, y: Uint8Array, opts: FitOptions & { start?: LogisticRegression } = {}): this {
    const weights = effectiveWeights(y, X.rows, opts.sampleWeight, this.params.classWeight);
    const problem = new Problem(X, y, weights, this.params.C, this.params.fitIntercept, this.params.hessianRows);
    const d = problem.dim;
    const theta = new Float64Array(d);
    if (this.params.fitIntercept) theta[d - 1] = problem.baseLogit(); // start at the base rate: saves an iteration
    const start = opts.start?.state;
    if (start && opts.start) {
      const byName = new Map(opts.start.columns.map((c, j) => [c, start.coef[j]]));
      for (let j = 0; j < X.cols; j++) theta[j] = byName.get(X.columns[j]) ?? 0;
      if (this.params.fitIntercept) theta[d - 1] = start.intercept;
    }

    let objective = problem.objective(theta);
    let nIter = 0;
    let converged = false;
    const trial = new Float64Array(d);
    while (nIter < this.params.maxIter) {
      const { gradient, hessian } = problem.derivatives(theta);
      const gradNorm = maxAbs(gradient);
      if (gradNorm <= this.params.tol) {
        converged = true;
        break;
      }
      const direction = newtonDirection(hessian, gradient, d);
      const slope = dot(gradient, direction);
      let step = 1;
      let trialObjective = Infinity;
      if (-slope <= DECREMENT_FLOOR * Math.max(1, Math.abs(objective))) {
        // The decrease left (the Newton decrement) is below what the objective resolves in float64: a
        // line search would compare rounding noise and crawl, so take the full step (Newton converges
        // quadratically this close to the optimum) and let the gradient test decide.
        for (let j = 0; j < d; j++) trial[j] = theta[j] + direction[j];
        trialObjective = problem.objective(trial);
      } else {
        for (; step >= MIN_STEP; step /= 2) {
          for (let j = 0; j < d; j++) trial[j] = theta[j] + step * direction[j];
          trialObjective = problem.objective(trial);
          if (trialObjective <= objective + ARMIJO * step * slope) break;
        }
      }
      nIter++;
      if (step < MIN_STEP) break; // no decrease possible along the Newton direction: stop, not converged
      const relChange = (objective - trialObjective) / Math.max(1, Math.abs(trialObjective));
      theta.set(trial);
      objective = trialObjective;
      opts.onProgress?.(
        `logistic: iteration ${nIter}, objective ${objective.toPrecision(12)}, gradient ${gradNorm.toExponential(2)}`,
      );
      if (step === 1 && relChange <= REL_OBJECTIVE_FLOOR) {
        converged = true; // full Newton step that changes nothing: we are at float precision
        break;
      }
    }
    if (!converged && nIter >= this.params.maxIter) {
      converged = maxAbs(problem.derivatives(theta).gradient) <= this.params.tol;
    }
    const coef = Array.from(theta.subarray(0, X.cols));
    this.columns = X.columns.slice();
    this.state = { coef, intercept: this.params.fitIntercept ? theta[d - 1] : 0, nIter, converged };
    return this;
  }

  /** Logits w·x + b per row, in Float64. */
  decisionFunction(X: DenseMatrix): Float64Array {
    const { coef, intercept } = this.fitted(X);
    const w = Float64Array.from(coef);
    const out = new Float64Array(X.rows);
    const cols = X.cols;
    const data = X.data;
    let i = 0;
    // Four rows at a time: one row's sum is a chain of dependent adds, four independent chains keep
    // the adder busy. Each row still sums in column order, so the logits are bit-identical.
    for (; i + 4 <= X.rows; i += 4) {
      const b0 = i * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      let z0 = intercept,
        z1 = intercept,
        z2 = intercept,
        z3 = intercept;
      for (let j = 0; j < cols; j++) {
        const c = w[j];
        z0 += c * data[b0 + j];
        z1 += c * data[b1 + j];
        z2 += c * data[b2 + j];
        z3 += c * data[b3 + j];
      }
      out[i] = z0;
      out[i + 1] = z1;
      out[i + 2] = z2;
      out[i + 3] = z3;
    }
    for (; i < X.rows; i++) {
      let z = intercept;
      const base = i * cols;
      for (let j = 0; j < cols; j++) z += w[j] * data[base + j];
      out[i] = z;
    }
    return out;
  }

  /** P(y = 1) per row, in Float64. */
  predictProba(X: DenseMatrix): Float64Array {
    const z = this.decisionFunction(X);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]);
    return z;
  }

  /** The fitted coefficients, one per matrix column (the intercept apart); read-only by convention. */
  coefficients(): readonly number[] {
    if (!this.state) throw new DataError('logistic regression is not fitted: call fit() before coefficients()');
    return this.state.coef;
  }

  /** Per-cell contributions coef_j · x_ij (row-major, rows × cols), the raw material for reasons. */
  contributions(X: DenseMatrix): Float64Array {
    const { coef } = this.fitted(X);
    const out = new Float64Array(X.rows * X.cols);
    for (let k = 0; k < out.length; k++) out[k] = coef[k % X.cols] * X.data[k];
    return out;
  }

  /** Serialize params and learned state (plain numbers: JSON round-trips them exactly). */
  toJSON(): LogisticJSON {
    if (!this.state) throw new DataError('logistic regression is not fitted: call fit() before toJSON()');
    return { kind: this.kind, params: { ...this.params }, state: { ...this.state, coef: [...this.state.coef] } };
  }

  /** Rebuild a fitted model from toJSON() output. */
  static fromJSON(json: unknown): LogisticRegression {
    const j = json as Partial<LogisticJSON> | null;
    if (!j || j.kind !== 'logistic')
      throw new ConfigError(`expected a model of kind 'logistic', got ${JSON.stringify(j?.kind)}`);
    const model = new LogisticRegression(j.params);
    model.state = parseParams(LogisticStateSchema, j.state, 'logistic regression state');
    return model;
  }

  private fitted(X: DenseMatrix): LogisticState {
    if (!this.state) throw new DataError('logistic regression is not fitted: call fit() first');
    if (X.cols !== this.state.coef.length) {
      throw new DataError(`matrix has ${X.cols} columns but the model was fitted on ${this.state.coef.length}`);
    }
    return this.state;
  }
}

/** Logistic regression as a base estimator of the scoring model. */
export const LOGISTIC_KIND: BaseEstimatorKind = {
  name: 'logistic',
  label: 'logistic regression',
  // the final fit starts Newton from the last fold's coefficients (same optimum, fewer iterations)
  fit: async (X, y, params, ctx) => {
    const last = ctx.final ? ctx.foldModels?.[ctx.foldModels.length - 1] : undefined;
    return new LogisticRegression(params).fit(X, y, {
      start: last instanceof LogisticRegression ? last : undefined,
    });
  },
  fromJSON: (json) => LogisticRegression.fromJSON(json),
};
