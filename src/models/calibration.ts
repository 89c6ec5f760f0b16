/**
 * Probability calibration fitted on its own split: Platt scaling (a 1-D logistic on the logit of the
 * input) and isotonic regression (pool-adjacent-violators), plus a chooser that picks between them
 * by cross-validated log loss so no calibrator is ever scored on the rows it was fitted on.
 */
import { ConfigError } from '../errors.ts';
import { meanLogLoss } from '../numeric.ts';
import { stratifiedFolds } from './random.ts';
import { checkCalibrationInput } from './calibration-checks.ts';
import { PlattCalibrator, type PlattJSON } from './platt.ts';
import { IsotonicCalibrator, ISOTONIC_CLIP, type IsotonicJSON } from './isotonic.ts';

export { PlattCalibrator, PlattParamsSchema, PlattStateSchema } from './platt.ts';
export type { PlattJSON, PlattParams, PlattState } from './platt.ts';
export { IsotonicCalibrator, IsotonicStateSchema, poolAdjacentViolators } from './isotonic.ts';
export type { IsotonicJSON, IsotonicState } from './isotonic.ts';
export { ISOTONIC_CLIP };

/** A fitted map from raw probability to calibrated probability. */
export interface Calibrator {
  readonly kind: 'platt' | 'isotonic';
  fit(p: Float64Array, y: Uint8Array, sampleWeight?: Float64Array): this;
  predict(p: Float64Array): Float64Array;
  toJSON(): CalibratorJSON;
}

export type CalibratorJSON = PlattJSON | IsotonicJSON;

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

/** Pick and fit a calibrator on out-of-sample blend predictions; 'auto' compares candidates by out-of-fold log loss. */
export function chooseCalibrator(p: Float64Array, y: Uint8Array, opts: ChooseCalibratorOptions): CalibrationChoice {
  const method = opts.method ?? 'auto';
  const minIsotonicRows = opts.minIsotonicRows ?? 1000;
  const folds = opts.folds ?? 5;
  const n = checkCalibrationInput(p, y, opts.sampleWeight);
  if (method === 'isotonic' && n < minIsotonicRows) {
    throw new ConfigError(
      `isotonic calibration needs at least ${minIsotonicRows} out-of-sample rows, got ${n}`,
      "use calibration method 'platt' or 'auto', or more training rows",
    );
  }
  const fitWhole = (m: 'platt' | 'isotonic'): Calibrator => makeCalibrator(m).fit(p, y, opts.sampleWeight);
  if (method !== 'auto')
    return { calibrator: fitWhole(method), method, cvLogLoss: {}, reason: `method '${method}' requested` };
  if (n < minIsotonicRows) {
    return {
      calibrator: fitWhole('platt'),
      method: 'platt',
      cvLogLoss: {},
      reason: `${n} rows < ${minIsotonicRows}: isotonic not allowed`,
    };
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
