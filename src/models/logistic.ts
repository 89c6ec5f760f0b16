/**
 * L2-regularized logistic regression with scikit-learn's objective, solved by Newton's method.
 *
 *   minimize  0.5·||w||² + C · Σ_i s_i · logloss_i(w, b)      (intercept b not penalized)
 *
 * s_i = sample weight × class weight. Newton (IRLS) converges in a handful of passes, each pass
 * accumulating the Hessian in Float64 over the rows; the small d×d system is solved by Cholesky.
 */
import { z } from 'zod';
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import type { DenseMatrix } from '../schema/matrix.ts';
import type { Estimator, FitOptions } from '../schema/estimator.ts';
import { ConfigError, DataError } from '../errors.ts';
import { sigmoid, softplus } from './link.ts';

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

/** Parse params with zod, turning validation failures into a ConfigError that names the bad key. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid ${what} params: ${issues}`);
  }
  return parsed.data;
}

/** L2 logistic regression (scikit-learn's LogisticRegression(penalty='l2') optimum). */
export class LogisticRegression implements Estimator<LogisticState> {
  readonly kind = 'logistic' as const;
  readonly params: LogisticParams;
  /** learned state; null until fit (or fromJSON) */
  state: LogisticState | null = null;

  /** Validate params; nothing else. */
  constructor(params: LogisticParamsInput = {}) {
    this.params = parseParams(LogisticParamsSchema, params, 'logistic regression');
  }

  /** Fit by Newton's method with backtracking; keeps no reference to X, y or the weights. */
  fit(X: DenseMatrix, y: Uint8Array, opts: FitOptions = {}): this {
    const weights = effectiveWeights(y, X.rows, opts.sampleWeight, this.params.classWeight);
    const problem = new Problem(X, y, weights, this.params.C, this.params.fitIntercept);
    const d = problem.dim;
    const theta = new Float64Array(d);
    if (this.params.fitIntercept) theta[d - 1] = problem.baseLogit(); // start at the base rate: saves an iteration

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
      for (; step >= MIN_STEP; step /= 2) {
        for (let j = 0; j < d; j++) trial[j] = theta[j] + step * direction[j];
        trialObjective = problem.objective(trial);
        if (trialObjective <= objective + ARMIJO * step * slope) break;
      }
      nIter++;
      if (step < MIN_STEP) break; // no decrease possible along the Newton direction: stop, not converged
      const relChange = (objective - trialObjective) / Math.max(1, Math.abs(trialObjective));
      theta.set(trial);
      objective = trialObjective;
      opts.onProgress?.(`logistic: iteration ${nIter}, objective ${objective.toPrecision(12)}, gradient ${gradNorm.toExponential(2)}`);
      if (step === 1 && relChange <= REL_OBJECTIVE_FLOOR) {
        converged = true; // full Newton step that changes nothing: we are at float precision
        break;
      }
    }
    if (!converged && nIter >= this.params.maxIter) {
      converged = maxAbs(problem.derivatives(theta).gradient) <= this.params.tol;
    }
    const coef = Array.from(theta.subarray(0, X.cols));
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
      let z0 = intercept, z1 = intercept, z2 = intercept, z3 = intercept;
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
    if (!j || j.kind !== 'logistic') throw new ConfigError(`expected a model of kind 'logistic', got ${JSON.stringify(j?.kind)}`);
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

/** Sample weights times class weights ('balanced' uses unweighted class counts, like scikit-learn). */
export function effectiveWeights(
  y: Uint8Array,
  rows: number,
  sampleWeight: Float64Array | undefined,
  classWeight: 'balanced' | null,
): Float64Array {
  if (y.length !== rows) throw new DataError(`labels have ${y.length} rows but the matrix has ${rows}`);
  if (sampleWeight && sampleWeight.length !== rows) {
    throw new DataError(`sampleWeight has ${sampleWeight.length} values but the matrix has ${rows} rows`);
  }
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new DataError(`label at row ${i} is ${y[i]}; labels must be 0 or 1`);
    positives += y[i];
  }
  if (rows > 0 && (positives === 0 || positives === rows)) {
    throw new DataError(`labels contain only class ${positives === 0 ? 0 : 1}; fitting needs both classes (0 and 1) in the training rows`);
  }
  const w = new Float64Array(rows);
  const cw = [1, 1];
  if (classWeight === 'balanced') {
    cw[0] = rows / (2 * (rows - positives));
    cw[1] = rows / (2 * positives);
  }
  for (let i = 0; i < rows; i++) {
    const s = sampleWeight ? sampleWeight[i] : 1;
    if (!(s >= 0) || !Number.isFinite(s)) throw new DataError(`sampleWeight at row ${i} is ${s}; weights must be finite and >= 0`);
    w[i] = s * cw[y[i]];
  }
  return w;
}

/**
 * The optimization problem, scaled by 1 / (C · Σ s_i) so that values and gradients are per unit of
 * weight (tolerances then mean the same thing at 3 thousand and 3 million rows):
 *   F(θ) = ||w||² / (2 C S) + (1/S) Σ s_i · (softplus(z_i) - y_i z_i),   z_i = w·x_i + b.
 * θ = [w_1..w_p, b]; without an intercept θ = w.
 */
class Problem {
  readonly dim: number;
  private readonly ridge: number;
  private readonly rowWeight: Float64Array;

  constructor(
    private readonly X: DenseMatrix,
    private readonly y: Uint8Array,
    weights: Float64Array,
    C: number,
    private readonly fitIntercept: boolean,
  ) {
    this.dim = X.cols + (fitIntercept ? 1 : 0);
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    if (!(total > 0)) throw new DataError('cannot fit logistic regression: no rows with positive weight');
    this.rowWeight = new Float64Array(weights.length);
    for (let i = 0; i < weights.length; i++) this.rowWeight[i] = weights[i] / total;
    this.ridge = 1 / (C * total);
  }

  /** Log-odds of the weighted positive rate: the best intercept when all coefficients are 0. */
  baseLogit(): number {
    let pos = 0;
    for (let i = 0; i < this.y.length; i++) if (this.y[i] === 1) pos += this.rowWeight[i];
    const q = Math.min(Math.max(pos, 1e-12), 1 - 1e-12);
    return Math.log(q / (1 - q));
  }

  private logit(theta: Float64Array, i: number): number {
    const cols = this.X.cols;
    const data = this.X.data;
    const base = i * cols;
    let z = this.fitIntercept ? theta[cols] : 0;
    for (let j = 0; j < cols; j++) z += theta[j] * data[base + j];
    return z;
  }

  /** F(θ). */
  objective(theta: Float64Array): number {
    let loss = 0;
    for (let i = 0; i < this.X.rows; i++) {
      const s = this.rowWeight[i];
      if (s === 0) continue;
      const z = this.logit(theta, i);
      loss += s * (softplus(z) - (this.y[i] === 1 ? z : 0));
    }
    let sq = 0;
    for (let j = 0; j < this.X.cols; j++) sq += theta[j] * theta[j];
    return loss + 0.5 * this.ridge * sq;
  }

  /**
   * ∇F(θ) and the full symmetric Hessian Σ h_i x_i x_iᵀ (+ ridge). Rows are processed in blocks copied
   * to column-major Float64 buffers, so each upper-triangle entry is a contiguous dot product over the
   * block; four entries share each load (register tiling). Columns that are all zero in a block are skipped.
   */
  derivatives(theta: Float64Array): { gradient: Float64Array; hessian: Float64Array } {
    const { rows, cols, data } = this.X;
    const d = this.dim;
    const B = BLOCK_ROWS;
    const gradient = new Float64Array(d);
    const hessian = new Float64Array(d * d);
    const xb = new Float64Array(d * B); // x values, column j at j*B
    const hxb = new Float64Array(d * B); // h_i * x values
    const active = new Uint8Array(d); // column has a non-zero in this block
    const intercept = this.fitIntercept;
    for (let start = 0; start < rows; start += B) {
      const m = Math.min(B, rows - start);
      active.fill(0);
      for (let r = 0; r < m; r++) {
        const i = start + r;
        const s = this.rowWeight[i];
        const base = i * cols;
        let z = intercept ? theta[cols] : 0;
        for (let j = 0; j < cols; j++) z += theta[j] * data[base + j];
        const p = sigmoid(z);
        const residual = s * (p - this.y[i]);
        const h = s * p * (1 - p);
        for (let j = 0; j < cols; j++) {
          const v = data[base + j];
          xb[j * B + r] = v;
          hxb[j * B + r] = h * v;
          if (v !== 0) {
            gradient[j] += residual * v;
            active[j] = 1;
          }
        }
        if (intercept) {
          xb[cols * B + r] = 1;
          hxb[cols * B + r] = h;
          gradient[cols] += residual;
          active[cols] = 1;
        }
      }
      accumulateUpper(hessian, hxb, xb, active, d, B, m);
    }
    for (let j = 0; j < cols; j++) {
      gradient[j] += this.ridge * theta[j];
      hessian[j * d + j] += this.ridge;
    }
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) hessian[b * d + a] = hessian[a * d + b];
    return { gradient, hessian };
  }
}

// Rows per block: the two d×B Float64 buffers stay cache-resident for d ~ 100.
const BLOCK_ROWS = 64;

/**
 * H[j][k] += Σ_r hx[j][r]·x[k][r] for k >= j over one block (column-major buffers of stride B, m rows used).
 * Tiles of 2 rows × 4 columns of H share loads (8 multiply-adds per 6 loads); tiles that start on the
 * diagonal also touch a few lower-triangle cells, which the caller overwrites when it mirrors.
 */
function accumulateUpper(
  hessian: Float64Array,
  hx: Float64Array,
  x: Float64Array,
  active: Uint8Array,
  d: number,
  B: number,
  m: number,
): void {
  let j = 0;
  for (; j + 1 < d; j += 2) {
    if (active[j] === 0 && active[j + 1] === 0) continue; // both rows of H get nothing from this block
    const oa = j * B;
    const ob = oa + B;
    const ha = j * d;
    const hb = ha + d;
    let k = j;
    for (; k + 3 < d; k += 4) {
      const o0 = k * B;
      const o1 = o0 + B;
      const o2 = o1 + B;
      const o3 = o2 + B;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let r = 0; r < m; r++) {
        const a = hx[oa + r];
        const b = hx[ob + r];
        const x0 = x[o0 + r];
        const x1 = x[o1 + r];
        const x2 = x[o2 + r];
        const x3 = x[o3 + r];
        a0 += a * x0;
        a1 += a * x1;
        a2 += a * x2;
        a3 += a * x3;
        b0 += b * x0;
        b1 += b * x1;
        b2 += b * x2;
        b3 += b * x3;
      }
      hessian[ha + k] += a0;
      hessian[ha + k + 1] += a1;
      hessian[ha + k + 2] += a2;
      hessian[ha + k + 3] += a3;
      hessian[hb + k] += b0;
      hessian[hb + k + 1] += b1;
      hessian[hb + k + 2] += b2;
      hessian[hb + k + 3] += b3;
    }
    for (; k < d; k++) {
      const ok = k * B;
      let a0 = 0;
      let b0 = 0;
      for (let r = 0; r < m; r++) {
        const v = x[ok + r];
        a0 += hx[oa + r] * v;
        b0 += hx[ob + r] * v;
      }
      hessian[ha + k] += a0;
      hessian[hb + k] += b0;
    }
  }
  for (; j < d; j++) {
    if (active[j] === 0) continue;
    const oj = j * B;
    for (let k = j; k < d; k++) {
      const ok = k * B;
      let s = 0;
      for (let r = 0; r < m; r++) s += hx[oj + r] * x[ok + r];
      hessian[j * d + k] += s;
    }
  }
}

/**
 * Solve H·δ = -g by Cholesky; if H is numerically singular (e.g. separable data, unpenalized intercept), add a growing
 * ridge.
 */
function newtonDirection(hessian: Float64Array, gradient: Float64Array, d: number): Float64Array {
  const rhs = Matrix.columnVector(Array.from(gradient, (g) => -g));
  let maxDiag = 0;
  for (let j = 0; j < d; j++) maxDiag = Math.max(maxDiag, hessian[j * d + j]);
  for (let jitter = 0; jitter <= maxDiag; jitter = jitter === 0 ? 1e-12 * (maxDiag || 1) : jitter * 100) {
    const H = new Matrix(d, d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) H.set(a, b, hessian[a * d + b] + (a === b ? jitter : 0));
    const chol = new CholeskyDecomposition(H);
    if (chol.isPositiveDefinite()) return Float64Array.from(chol.solve(rhs).getColumn(0));
  }
  // Last resort: a least-squares solve, which still gives a descent direction for the line search to check.
  const H = new Matrix(d, d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) H.set(a, b, hessian[a * d + b]);
  return Float64Array.from(solve(H, rhs, true).getColumn(0));
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
