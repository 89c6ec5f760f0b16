/**
 * Probability calibration fitted on its own split: Platt scaling (a 1-D logistic on the logit of the
 * input) and isotonic regression (pool-adjacent-violators), plus a chooser that picks between them
 * by cross-validated log loss so no calibrator is ever scored on the rows it was fitted on.
 */
import { z } from 'zod';
import { ConfigError, DataError } from '../errors.ts';
import { logit, sigmoid, softplus } from './link.ts';
import { parseParams } from './logistic.ts';
import { stratifiedFolds } from './random.ts';

/** Isotonic outputs are clipped to [ISOTONIC_CLIP, 1 - ISOTONIC_CLIP] so log loss and logits stay finite. */
export const ISOTONIC_CLIP = 1e-6;

/** A fitted map from raw probability to calibrated probability. */
export interface Calibrator {
  readonly kind: 'platt' | 'isotonic';
  fit(p: Float64Array, y: Uint8Array, sampleWeight?: Float64Array): this;
  predict(p: Float64Array): Float64Array;
  toJSON(): CalibratorJSON;
}

export type CalibratorJSON = PlattJSON | IsotonicJSON;

// ---------------------------------------------------------------- Platt

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

/** Minimize Σ w_i [softplus(a x_i + b) - t_i (a x_i + b)] over (a, b): 2×2 Newton with backtracking. */
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
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
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
    if (Math.max(Math.abs(ga), Math.abs(gb)) < 1e-12) return { slope: a, intercept: b, converged: true };
    // A tiny ridge keeps the solve defined when every input is identical (haa·hbb = hab²).
    const ridge = 1e-12 * (haa + hbb + 1e-300);
    const det = (haa + ridge) * (hbb + ridge) - hab * hab;
    const da = -((hbb + ridge) * ga - hab * gb) / det;
    const db = -((haa + ridge) * gb - hab * ga) / det;
    const slope = ga * da + gb * db;
    let step = 1;
    let fNew = objective(a + da, b + db);
    while (fNew > f + 1e-4 * step * slope && step > 1e-10) {
      step /= 2;
      fNew = objective(a + step * da, b + step * db);
    }
    if (step <= 1e-10) break;
    a += step * da;
    b += step * db;
    const change = f - fNew;
    f = fNew;
    if (step === 1 && change <= 1e-16 * Math.max(1, Math.abs(f))) return { slope: a, intercept: b, converged: true };
  }
  return { slope: a, intercept: b, converged: false };
}

// ---------------------------------------------------------------- isotonic

export const IsotonicStateSchema = z
  .object({ x: z.array(z.number()).min(1), y: z.array(z.number()).min(1) })
  .strict()
  .refine((s) => s.x.length === s.y.length, 'x and y must have the same length');
export type IsotonicState = z.infer<typeof IsotonicStateSchema>;

export interface IsotonicJSON {
  kind: 'isotonic';
  params: Record<string, never>;
  state: IsotonicState;
}

/**
 * Isotonic regression as sklearn's IsotonicRegression(increasing=True, out_of_bounds='clip'):
 * duplicate inputs are merged (weighted mean), weighted PAV gives a non-decreasing step function,
 * only the first and last point of each flat block are kept, and predictions interpolate linearly
 * between those points (inputs outside the fitted range are clipped to it). Outputs are clipped to
 * [1e-6, 1 - 1e-6] (sklearn would return exact 0 or 1) so downstream log loss and logits stay finite.
 */
export class IsotonicCalibrator implements Calibrator {
  readonly kind = 'isotonic' as const;
  readonly params: Record<string, never> = {};
  state: IsotonicState | null = null;

  /** Fit the non-decreasing step function by weighted pool-adjacent-violators. */
  fit(p: Float64Array, y: Uint8Array, sampleWeight?: Float64Array): this {
    const n = checkCalibrationInput(p, y, sampleWeight);
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((i, j) => p[i] - p[j] || y[i] - y[j]);
    // Merge equal inputs: one point per distinct p, carrying the weighted mean label.
    const ux: number[] = [];
    const uy: number[] = [];
    const uw: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = order[k];
      const w = sampleWeight ? sampleWeight[i] : 1;
      if (w === 0) continue;
      const last = ux.length - 1;
      if (last >= 0 && ux[last] === p[i]) {
        uy[last] += w * y[i];
        uw[last] += w;
      } else {
        ux.push(p[i]);
        uy.push(w * y[i]);
        uw.push(w);
      }
    }
    if (ux.length === 0) throw new DataError('cannot calibrate: no rows with positive weight');
    for (let k = 0; k < ux.length; k++) uy[k] /= uw[k];
    const fitted = poolAdjacentViolators(uy, uw);
    // Keep the ends of each flat run: interior points of a run add nothing to the interpolation.
    const x: number[] = [];
    const yy: number[] = [];
    for (let k = 0; k < ux.length; k++) {
      const interior = k > 0 && k < ux.length - 1 && fitted[k] === fitted[k - 1] && fitted[k] === fitted[k + 1];
      if (!interior) {
        x.push(ux[k]);
        yy.push(fitted[k]);
      }
    }
    this.state = { x, y: yy };
    return this;
  }

  /** Calibrated probabilities by linear interpolation (np.interp) between the kept points. */
  predict(p: Float64Array): Float64Array {
    const { x, y } = fittedState(this.state, 'isotonic');
    const out = new Float64Array(p.length);
    const last = x.length - 1;
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      let q: number;
      if (!(v > x[0])) q = y[0]; // also NaN -> lowest, a conservative choice
      else if (v >= x[last]) q = y[last];
      else {
        let lo = 0;
        let hi = last; // x[lo] < v < ... <= x[hi]
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if (x[mid] <= v) lo = mid;
          else hi = mid;
        }
        q = y[lo] + ((y[hi] - y[lo]) * (v - x[lo])) / (x[hi] - x[lo]);
      }
      out[i] = Math.min(1 - ISOTONIC_CLIP, Math.max(ISOTONIC_CLIP, q));
    }
    return out;
  }

  /** Serialize the kept points. */
  toJSON(): IsotonicJSON {
    const s = fittedState(this.state, 'isotonic');
    return { kind: 'isotonic', params: {}, state: { x: [...s.x], y: [...s.y] } };
  }

  /** Rebuild from toJSON() output. */
  static fromJSON(json: unknown): IsotonicCalibrator {
    const j = expectKind<IsotonicJSON>(json, 'isotonic');
    const c = new IsotonicCalibrator();
    c.state = parseParams(IsotonicStateSchema, j.state, 'isotonic calibrator state');
    return c;
  }
}

/** Weighted pool-adjacent-violators: the non-decreasing sequence closest to `values` in weighted least squares. */
export function poolAdjacentViolators(values: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
  const n = values.length;
  const mean = new Float64Array(n); // block stack: mean, weight, and where each block starts
  const weight = new Float64Array(n);
  const start = new Int32Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    top++;
    mean[top] = values[i];
    weight[top] = weights[i];
    start[top] = i;
    // Merge backwards while the newest block breaks monotonicity.
    while (top > 0 && mean[top - 1] >= mean[top]) {
      const w = weight[top - 1] + weight[top];
      mean[top - 1] = (mean[top - 1] * weight[top - 1] + mean[top] * weight[top]) / w;
      weight[top - 1] = w;
      top--;
    }
  }
  const out = new Float64Array(n);
  for (let b = 0; b <= top; b++) {
    const end = b < top ? start[b + 1] : n;
    for (let i = start[b]; i < end; i++) out[i] = mean[b];
  }
  return out;
}

// ---------------------------------------------------------------- choosing

export type CalibrationMethod = 'auto' | 'platt' | 'isotonic';

export interface ChooseCalibratorOptions {
  method?: CalibrationMethod;
  /** isotonic overfits small samples: it is only allowed with at least this many rows */
  minIsotonicRows?: number;
  /** seed for the cross-validation fold assignment */
  seed: number;
  folds?: number;
  sampleWeight?: Float64Array;
}

/** The chosen calibrator (refitted on the whole split) and the evidence for the choice. */
export interface CalibrationChoice {
  calibrator: Calibrator;
  method: 'platt' | 'isotonic';
  /** out-of-fold log loss per candidate (only in 'auto' mode with enough rows) */
  cvLogLoss: { platt?: number; isotonic?: number };
  reason: string;
}

/** Pick and fit a calibrator on the calibration split; 'auto' compares candidates by out-of-fold log loss. */
export function chooseCalibrator(p: Float64Array, y: Uint8Array, opts: ChooseCalibratorOptions): CalibrationChoice {
  const method = opts.method ?? 'auto';
  const minIsotonicRows = opts.minIsotonicRows ?? 1000;
  const folds = opts.folds ?? 5;
  const n = checkCalibrationInput(p, y, opts.sampleWeight);
  if (method === 'isotonic' && n < minIsotonicRows) {
    throw new ConfigError(
      `isotonic calibration needs at least ${minIsotonicRows} rows in the calibration split, got ${n}`,
      "use calibration method 'platt' or 'auto', or a larger calibration split",
    );
  }
  const fitWhole = (m: 'platt' | 'isotonic'): Calibrator => makeCalibrator(m).fit(p, y, opts.sampleWeight);
  if (method !== 'auto') return { calibrator: fitWhole(method), method, cvLogLoss: {}, reason: `method '${method}' requested` };
  if (n < minIsotonicRows) {
    return { calibrator: fitWhole('platt'), method: 'platt', cvLogLoss: {}, reason: `${n} rows < ${minIsotonicRows}: isotonic not allowed` };
  }
  const fold = stratifiedFolds(y, folds, opts.seed);
  const platt = outOfFoldLogLoss('platt', p, y, fold, folds, opts.sampleWeight);
  const isotonic = outOfFoldLogLoss('isotonic', p, y, fold, folds, opts.sampleWeight);
  const chosen = isotonic < platt ? 'isotonic' : 'platt'; // ties go to the simpler Platt
  return {
    calibrator: fitWhole(chosen),
    method: chosen,
    cvLogLoss: { platt, isotonic },
    reason: `${folds}-fold out-of-fold log loss: platt ${platt.toFixed(5)}, isotonic ${isotonic.toFixed(5)}`,
  };
}

/** Log loss of predictions each made by a calibrator fitted on the other folds. */
function outOfFoldLogLoss(
  method: 'platt' | 'isotonic',
  p: Float64Array,
  y: Uint8Array,
  fold: Uint8Array,
  folds: number,
  sampleWeight?: Float64Array,
): number {
  const predicted = new Float64Array(p.length);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < p.length; i++) (fold[i] === f ? held : train).push(i);
    if (held.length === 0) continue;
    const pick = <T extends Float64Array | Uint8Array>(a: T, idx: number[], make: (n: number) => T): T => {
      const out = make(idx.length);
      for (let k = 0; k < idx.length; k++) out[k] = a[idx[k]];
      return out;
    };
    const c = makeCalibrator(method).fit(
      pick(p, train, (k) => new Float64Array(k)),
      pick(y, train, (k) => new Uint8Array(k)),
      sampleWeight ? pick(sampleWeight, train, (k) => new Float64Array(k)) : undefined,
    );
    const q = c.predict(pick(p, held, (k) => new Float64Array(k)));
    for (let k = 0; k < held.length; k++) predicted[held[k]] = q[k];
  }
  return meanLogLoss(y, predicted);
}

// Local rather than from evaluate/: models/ may import only schema/ (DESIGN.md layering).
function meanLogLoss(y: Uint8Array, p: Float64Array): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(p[i], 1e-15), 1 - 1e-15);
    total -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return total / y.length;
}

function makeCalibrator(method: 'platt' | 'isotonic'): Calibrator {
  return method === 'platt' ? new PlattCalibrator() : new IsotonicCalibrator();
}

/** Rebuild either calibrator from its toJSON() output. */
export function calibratorFromJSON(json: unknown): Calibrator {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind === 'platt') return PlattCalibrator.fromJSON(json);
  if (kind === 'isotonic') return IsotonicCalibrator.fromJSON(json);
  throw new ConfigError(`unknown calibrator kind ${JSON.stringify(kind)}; expected 'platt' or 'isotonic'`);
}

// ---------------------------------------------------------------- shared checks

function checkCalibrationInput(p: Float64Array, y: Uint8Array, sampleWeight?: Float64Array): number {
  if (p.length !== y.length) throw new DataError(`calibration has ${p.length} probabilities but ${y.length} labels`);
  if (sampleWeight && sampleWeight.length !== p.length) {
    throw new DataError(`calibration has ${p.length} probabilities but ${sampleWeight.length} weights`);
  }
  if (p.length === 0) throw new DataError('cannot calibrate on an empty split');
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) throw new DataError(`calibration input at row ${i} is ${p[i]}; probabilities must be in [0, 1]`);
    if (y[i] !== 0 && y[i] !== 1) throw new DataError(`label at row ${i} is ${y[i]}; labels must be 0 or 1`);
  }
  return p.length;
}

function fittedState<S>(state: S | null, name: string): S {
  if (!state) throw new DataError(`${name} calibrator is not fitted: call fit() first`);
  return state;
}

function expectKind<J extends { kind: string }>(json: unknown, kind: J['kind']): J {
  const j = json as J | null;
  if (!j || j.kind !== kind) throw new ConfigError(`expected a calibrator of kind '${kind}', got ${JSON.stringify(j?.kind)}`);
  return j;
}
