/** Input and state checks the calibrators share. */
import { ConfigError, DataError } from '../errors.ts';

export function checkCalibrationInput(p: Float64Array, y: Uint8Array, sampleWeight?: Float64Array): number {
  if (p.length !== y.length) throw new DataError(`calibration has ${p.length} probabilities but ${y.length} labels`);
  if (sampleWeight && sampleWeight.length !== p.length) {
    throw new DataError(`calibration has ${p.length} probabilities but ${sampleWeight.length} weights`);
  }
  if (p.length === 0) throw new DataError('cannot calibrate on an empty split');
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0 && p[i] <= 1))
      throw new DataError(`calibration input at row ${i} is ${p[i]}; probabilities must be in [0, 1]`);
    if (y[i] !== 0 && y[i] !== 1) throw new DataError(`label at row ${i} is ${y[i]}; labels must be 0 or 1`);
  }
  return p.length;
}

export function fittedState<S>(state: S | null, name: string): S {
  if (!state) throw new DataError(`${name} calibrator is not fitted: call fit() first`);
  return state;
}

export function expectKind<J extends { kind: string }>(json: unknown, kind: J['kind']): J {
  const j = json as J | null;
  if (!j || j.kind !== kind)
    throw new ConfigError(`expected a calibrator of kind '${kind}', got ${JSON.stringify(j?.kind)}`);
  return j;
}
