/**
 * The calibrator of the blend: Platt or isotonic chosen by out-of-fold log loss, or none when the
 * blend (a logistic regression on out-of-sample predictions) is already calibrated.
 */
import { meanLogLoss } from '../numeric.ts';
import { pickValues } from '../schema/matrix.ts';
import { PlattCalibrator, chooseCalibrator, type CalibrationMethod, type Calibrator } from './calibration.ts';
import { stratifiedFolds } from './random.ts';

/** Platt with slope 1 and intercept 0: passes probabilities through unchanged (stored like any Platt map). */
export function identityCalibrator(): Calibrator {
  return PlattCalibrator.fromJSON({
    kind: 'platt',
    params: new PlattCalibrator().params,
    state: { slope: 1, intercept: 0, converged: true },
  });
}

/** Out-of-fold log loss of Platt on (p, y): what a Platt map fitted there would score on new rows. */
function plattOutOfFoldLogLoss(p: Float64Array, y: Uint8Array, seed: number, folds = 5): number {
  const fold = stratifiedFolds(y, folds, seed);
  const predicted = new Float64Array(p.length);
  for (let f = 0; f < folds; f++) {
    const fit = Int32Array.from({ length: p.length }, (_, i) => i).filter((i) => fold[i] !== f);
    const held = Int32Array.from({ length: p.length }, (_, i) => i).filter((i) => fold[i] === f);
    const q = new PlattCalibrator().fit(pickValues(p, fit), pickValues(y, fit)).predict(pickValues(p, held));
    for (let k = 0; k < held.length; k++) predicted[held[k]] = q[k];
  }
  return meanLogLoss(y, predicted);
}

/**
 * The calibrator for the blend, fitted on cross-fitted (out-of-fold) blend predictions. The blend is
 * itself a logistic regression on out-of-sample base predictions, so it is often calibrated already,
 * and a map fitted on few rows adds noise. In 'auto' mode Platt and isotonic (isotonic only with
 * enough rows) are compared by their out-of-fold log loss, and the unchanged blend is kept when its
 * log loss is no worse than the better map's (a fair comparison: the identity fits nothing).
 * `warning` is set when the Platt map that was kept did not converge: the caller must report it.
 */
export function calibrateBlend(
  p: Float64Array,
  y: Uint8Array,
  method: CalibrationMethod,
  seed: number,
): { calibrator: Calibrator; method: string; reason: string; warning?: string } {
  const choice = chooseCalibrator(p, y, { method, seed });
  const withWarning = (c: { calibrator: Calibrator; method: string; reason: string }) => {
    const state = c.calibrator.toJSON().state as { converged?: boolean };
    return state.converged === false
      ? {
          ...c,
          warning:
            `the Platt calibration of the blend did not converge on ${p.length} rows (slope and intercept ` +
            'are the last iterate): check the calibration rows, or set calibration: isotonic',
        }
      : c;
  };
  if (method !== 'auto') return withWarning(choice);
  const fitted =
    choice.method === 'isotonic'
      ? Math.min(choice.cvLogLoss.isotonic ?? Infinity, choice.cvLogLoss.platt ?? Infinity)
      : (choice.cvLogLoss.platt ?? plattOutOfFoldLogLoss(p, y, seed));
  const identity = meanLogLoss(y, p);
  if (identity <= fitted) {
    return {
      calibrator: identityCalibrator(),
      method: 'none',
      reason:
        `the blend is already calibrated: log loss ${identity.toFixed(5)} on ${p.length} cross-fitted ` +
        `predictions vs ${fitted.toFixed(5)} out-of-fold for ${choice.method}`,
    };
  }
  return withWarning({
    ...choice,
    reason:
      `${choice.reason}; log loss out-of-fold ${choice.method} ${fitted.toFixed(5)}, ` +
      `unchanged blend ${identity.toFixed(5)} (${p.length} cross-fitted predictions)`,
  });
}
