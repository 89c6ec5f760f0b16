/**
 * The Newton solver behind LogisticRegression: the scaled L2 objective, its gradient and full Hessian
 * (accumulated in blocks, register-tiled), and the Cholesky step with a jitter fallback.
 */
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import { DataError } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';
import { sigmoid, softplus } from './link.ts';

/**
 * The optimization problem, scaled by 1 / (C · Σ s_i) so that values and gradients are per unit of
 * weight (tolerances then mean the same thing at 3 thousand and 3 million rows):
 *   F(θ) = ||w||² / (2 C S) + (1/S) Σ s_i · (softplus(z_i) - y_i z_i),   z_i = w·x_i + b.
 * θ = [w_1..w_p, b]; without an intercept θ = w.
 */
export class Problem {
  readonly dim: number;
  private readonly ridge: number;
  private readonly rowWeight: Float64Array;
  /** the matrix's non-zeros by row (CSR) when it is mostly zeros (one-hot columns): see derivatives */
  private readonly sparse: { start: Int32Array; col: Int32Array; value: Float64Array } | null;

  constructor(
    private readonly X: DenseMatrix,
    private readonly y: Uint8Array,
    weights: Float64Array,
    C: number,
    private readonly fitIntercept: boolean,
    /** above this many rows the Hessian is estimated from every k-th row (the gradient always uses all) */
    private readonly hessianRows = Infinity,
  ) {
    this.dim = X.cols + (fitIntercept ? 1 : 0);
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    if (!(total > 0)) throw new DataError('cannot fit logistic regression: no rows with positive weight');
    this.rowWeight = new Float64Array(weights.length);
    for (let i = 0; i < weights.length; i++) this.rowWeight[i] = weights[i] / total;
    this.ridge = 1 / (C * total);
    this.sparse = sparseRows(X);
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
    const sp = this.sparse;
    if (sp) {
      let z = this.fitIntercept ? theta[cols] : 0;
      for (let q = sp.start[i]; q < sp.start[i + 1]; q++) z += theta[sp.col[q]] * sp.value[q];
      return z;
    }
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
    if (this.sparse) return this.sparseDerivatives(theta, this.sparse);
    const { rows, cols, data } = this.X;
    const d = this.dim;
    const B = BLOCK_ROWS;
    const gradient = new Float64Array(d);
    const hessian = new Float64Array(d * d);
    const xb = new Float64Array(d * B); // x values, column j at j*B
    const hxb = new Float64Array(d * B); // h_i * x values
    const active = new Uint8Array(d); // column has a non-zero in this block
    const intercept = this.fitIntercept;
    // Inexact Newton on big data: the Hessian from every `stride`-th row, its terms weighted by the
    // stride (an unbiased estimate); the gradient, which decides convergence, from every row. The
    // optimum is the same; each iteration costs a fraction of an exact one.
    const stride = rows > this.hessianRows ? Math.ceil(rows / this.hessianRows) : 1;
    let m = 0; // rows in the block buffers
    active.fill(0);
    for (let i = 0; i < rows; i++) {
      const s = this.rowWeight[i];
      const base = i * cols;
      let z = intercept ? theta[cols] : 0;
      for (let j = 0; j < cols; j++) z += theta[j] * data[base + j];
      const p = sigmoid(z);
      const residual = s * (p - this.y[i]);
      if (stride > 1 && i % stride !== 0) {
        for (let j = 0; j < cols; j++) {
          const v = data[base + j];
          if (v !== 0) gradient[j] += residual * v;
        }
        if (intercept) gradient[cols] += residual;
        continue;
      }
      const h = s * p * (1 - p) * stride;
      const r = m++;
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
      if (m === B) {
        accumulateUpper(hessian, hxb, xb, active, d, B, m);
        m = 0;
        active.fill(0);
      }
    }
    if (m > 0) accumulateUpper(hessian, hxb, xb, active, d, B, m);
    for (let j = 0; j < cols; j++) {
      gradient[j] += this.ridge * theta[j];
      hessian[j * d + j] += this.ridge;
    }
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) hessian[b * d + a] = hessian[a * d + b];
    return { gradient, hessian };
  }

  /**
   * The same gradient and Hessian from the non-zeros only: each row adds h_i x_ij x_ik for the pairs of
   * its non-zero columns. With one-hot and bin columns (a flat table: ~40 non-zeros among ~200 columns)
   * that is ~25x less work than the dense blocks.
   */
  private sparseDerivatives(
    theta: Float64Array,
    sp: { start: Int32Array; col: Int32Array; value: Float64Array },
  ): { gradient: Float64Array; hessian: Float64Array } {
    const { rows, cols } = this.X;
    const d = this.dim;
    const gradient = new Float64Array(d);
    const hessian = new Float64Array(d * d);
    const intercept = this.fitIntercept;
    for (let i = 0; i < rows; i++) {
      const s = this.rowWeight[i];
      if (s === 0) continue;
      const from = sp.start[i];
      const to = sp.start[i + 1];
      let z = intercept ? theta[cols] : 0;
      for (let q = from; q < to; q++) z += theta[sp.col[q]] * sp.value[q];
      const p = sigmoid(z);
      const residual = s * (p - this.y[i]);
      const h = s * p * (1 - p);
      for (let q = from; q < to; q++) {
        const a = sp.col[q];
        const hv = h * sp.value[q];
        gradient[a] += residual * sp.value[q];
        const rowA = a * d;
        // columns ascend within a row, so (a, b) with b >= a lands in the upper triangle
        for (let r = q; r < to; r++) hessian[rowA + sp.col[r]] += hv * sp.value[r];
        if (intercept) hessian[rowA + cols] += hv;
      }
      if (intercept) {
        gradient[cols] += residual;
        hessian[cols * d + cols] += h;
      }
    }
    for (let j = 0; j < cols; j++) {
      gradient[j] += this.ridge * theta[j];
      hessian[j * d + j] += this.ridge;
    }
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) hessian[b * d + a] = hessian[a * d + b];
    return { gradient, hessian };
  }
}

/** The matrix as CSR when at most a quarter of its cells are non-zero, else null (the dense path is faster). */
function sparseRows(X: DenseMatrix): { start: Int32Array; col: Int32Array; value: Float64Array } | null {
  const { rows, cols, data } = X;
  let nnz = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nnz++;
  if (nnz > 0.25 * data.length) return null;
  const start = new Int32Array(rows + 1);
  const col = new Int32Array(nnz);
  const value = new Float64Array(nnz);
  let q = 0;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j];
      if (v !== 0) {
        col[q] = j;
        value[q++] = v;
      }
    }
    start[i + 1] = q;
  }
  return { start, col, value };
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
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        b3 = 0;
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
export function newtonDirection(hessian: Float64Array, gradient: Float64Array, d: number): Float64Array {
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

export function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
