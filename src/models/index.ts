/** models/: estimators, blend, calibration, scores and reasons. One export block per module; add new modules below. */
export {
  LogisticRegression,
  LogisticParamsSchema,
  LogisticStateSchema,
  effectiveWeights,
} from './logistic.ts';
export type { LogisticParams, LogisticParamsInput, LogisticState, LogisticJSON } from './logistic.ts';

export { StackingBlender, BlendParamsSchema, BlendStateSchema, transformValue } from './blend.ts';
export type { BaseInput, BlendTransform, BlendParams, BlendState, BlendJSON } from './blend.ts';

export {
  PlattCalibrator,
  IsotonicCalibrator,
  chooseCalibrator,
  calibratorFromJSON,
  poolAdjacentViolators,
  ISOTONIC_CLIP,
} from './calibration.ts';
export type {
  Calibrator,
  CalibratorJSON,
  PlattJSON,
  IsotonicJSON,
  CalibrationMethod,
  CalibrationChoice,
  ChooseCalibratorOptions,
} from './calibration.ts';

export { scoreFromProbability, percentiles, bandFor, DEFAULT_BANDS } from './score.ts';
export type { BandThreshold } from './score.ts';

export { rankReasons, explainRows } from './reasons.ts';
export type { Reason, ReasonInput, ReasonRanking, ExplainOptions } from './reasons.ts';

export { sigmoid, logit, softplus, LOGIT_EPS } from './link.ts';
export { mulberry32, stratifiedFolds } from './random.ts';
