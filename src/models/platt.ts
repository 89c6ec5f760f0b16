/**
 * Platt scaling: a one-dimensional logistic regression on the logit of the input probability, with
 * Platt's smoothed targets, fitted by Newton's method.
 */
import { z } from 'zod';
import { DataError } from '../errors.ts';
import { logit, sigmoid, softplus } from './link.ts';
import { parseParams } from './estimator-kit.ts';
import { checkCalibrationInput, expectKind, fittedState } from './calibration-checks.ts';
import type { Calibrator } from './calibration.ts';

export const PlattParamsSchema = z
  .object({
    /** Platt's smoothed targets (N+ + 1)/(N+ + 2) and 1/(N- + 2) instead of 1 and 0: guards against overconfidence */
    targetSmoothing: z.boolean().default(true),
    maxIter: z.number().int().positive().default(100),
  })
  .strict();
export type PlattParams = z.infer<typeof PlattParamsSchema>;

export const PlattStateSchema = z.object({ slope: z.number(), intercept: z.number(), converged: z.boolean() }).strict();
export type PlattState = z.infer<typeof PlattStateSchema>;

export interface PlattJSON {
  kind: 'platt';
  params: PlattParams;
  state: PlattState;
}

/** Platt scaling: calibrated = sigmoid(slope · logit(p) + intercept). */
export class PlattCalibrator implements Calibrator {
  readonly kind = 'platt' as const;
  readonly params: PlattParams;
  state: PlattState | null = null;

  /** Validate params; nothing else. */
  constructor(params: z.input<typeof PlattParamsSchema> = {}) {
    this.params = parseParams(PlattParamsSchema, params, 'Platt calibrator');
  }

  /** Fit slope and intercept by Newton's method on the (optionally smoothed) log loss. */
  fit(p: Float64Array, y: Uint8Array, sampleWeight?: Float64Array): this {
    const n = checkCalibrationInput(p, y, sampleWeight);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = logit(p[i]);
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i];
    const hi = this.params.targetSmoothing ? (pos + 1) / (pos + 2) : 1;
    const lo = this.params.targetSmoothing ? 1 / (n - pos + 2) : 0;
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = y[i] === 1 ? hi : lo;
    const w = sampleWeight ?? new Float64Array(n).fill(1);
    this.state = fitSigmoid(x, t, w, this.params.maxIter);
    return this;
  }

  /** Calibrated probabilities. */
  predict(p: Float64Array): Float64Array {
    const { slope, intercept } = fittedState(this.state, 'Platt');
    const out = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = sigmoid(slope * logit(p[i]) + intercept);
    return out;
  }

  /** Serialize params and state. */
  toJSON(): PlattJSON {
    return { kind: 'platt', params: { ...this.params }, state: { ...fittedState(this.state, 'Platt') } };
  }

  /** Rebuild from toJSON() output. */
  static fromJSON(json: unknown): PlattCalibrator {
    const j = expectKind<PlattJSON>(json, 'platt');
    const c = new PlattCalibrator(j.params);
    c.state = parseParams(PlattStateSchema, j.state, 'Platt calibrator state');
    return c;
  }
}

/**
 * Minimize F(a, b) = Σ w_i [softplus(a x_i + b) - t_i (a x_i + b)] / Σ w_i: 2×2 Newton with Armijo
 * backtracking. F is convex, so Newton converges (quadratically near the optimum); it stops when the
 * gradient is below 1e-10 or a full Newton step moves (a, b) by less than 1e-12 relative. Once the
 * decrease a step promises (the Newton decrement) is below what F resolves in float64, the full step is
 * taken without a line search: comparing F there only compares rounding noise, which is how the old
 * solver crawled for 100 iterations near the optimum and saved converged: false. A line search that
 * fails before that point, or maxIter, reports converged: false, which callers must say out loud.
 */
function fitSigmoid(x: Float64Array, t: Float64Array, w: Float64Array, maxIter: number): PlattState {
  let totalW = 0;
  for (let i = 0; i < w.length; i++) totalW += w[i];
  if (!(totalW > 0)) throw new DataError('cannot calibrate: no rows with positive weight');
  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < x.length; i++) {
      const z = a * x[i] + b;
      f += w[i] * (softplus(z) - t[i] * z);
    }
    return f / totalW;
  };
  let a = 1; // start at the identity map: a calibrated input needs no change
  let b = 0;
  let f = objective(a, b);
  for (let iter = 0; iter < maxIter; iter++) {
    let ga = 0,
      gb = 0,
      haa = 0,
      hab = 0,
      hbb = 0;
    for (let i = 0; i < x.length; i++) {
      const q = sigmoid(a * x[i] + b);
      const r = (w[i] * (q - t[i])) / totalW;
      const h = (w[i] * q * (1 - q)) / totalW;
      ga += r * x[i];
      gb += r;
      haa += h * x[i] * x[i];
      hab += h * x[i];
      hbb += h;
    }
    if (Math.max(Math.abs(ga), Math.abs(gb)) < 1e-10) return { slope: a, intercept: b, converged: true };
    // A tiny ridge keeps the solve defined when every input is identical (haa·hbb = hab²).
    const ridge = 1e-12 * (haa + hbb + 1e-300);
    const det = (haa + ridge) * (hbb + ridge) - hab * hab;
    const da = -((hbb + ridge) * ga - hab * gb) / det;
    const db = -((haa + ridge) * gb - hab * ga) / det;
    const slope = ga * da + gb * db; // -(Newton decrement)
    if (-slope <= 1e-12 * Math.max(1, Math.abs(f))) {
      // The decrease left is below what F can resolve in float64, so a line search would only compare
      // rounding noise (and crawl): this close, Newton converges quadratically, so take the full step.
      a += da;
      b += db;
      f = objective(a, b);
      if (Math.max(Math.abs(da), Math.abs(db)) <= 1e-12 * (1 + Math.max(Math.abs(a), Math.abs(b)))) {
        return { slope: a, intercept: b, converged: true };
      }
      continue;
    }
    let step = 1;
    let fNew = objective(a + da, b + db);
    while (!(fNew <= f + 1e-4 * step * slope) && step > 1e-10) {
      step /= 2;
      fNew = objective(a + step * da, b + step * db);
    }
    if (!(fNew <= f + 1e-4 * step * slope)) return { slope: a, intercept: b, converged: false };
    a += step * da;
    b += step * db;
    f = fNew;
  }
  return { slope: a, intercept: b, converged: false };
}
