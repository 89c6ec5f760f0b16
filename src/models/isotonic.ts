/**
 * Isotonic calibration: pool-adjacent-violators on the input probability, a step function clipped away
 * from 0 and 1 so log loss and logits stay finite.
 */
import { z } from 'zod';
import { DataError } from '../errors.ts';
import { parseParams } from './estimator-kit.ts';
import { checkCalibrationInput, expectKind, fittedState } from './calibration-checks.ts';
import type { Calibrator } from './calibration.ts';

/** Isotonic outputs are clipped to [ISOTONIC_CLIP, 1 - ISOTONIC_CLIP] so log loss and logits stay finite. */
export const ISOTONIC_CLIP = 1e-6;

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
      if (!(v > x[0]))
        q = y[0]; // also NaN -> lowest, a conservative choice
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
