/** models/: estimators, blend, calibration, scores and reasons. One export block per module; add new modules below. */
export { LogisticRegression, LogisticParamsSchema, LogisticStateSchema } from './logistic.ts';
export { effectiveWeights, parseParams } from './estimator-kit.ts';
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

export { rankFactors, reasonPhrases, reasonsJson, reasonObjects, roundWeight } from './reasons.ts';
export type { Reason, RankInput, ReasonRanking, ReasonPhrases, PhraseSource } from './reasons.ts';

export {
  attributeMembers,
  attributeBlend,
  predictAndAttributeMembers,
  withRules,
  attributedLogits,
} from './attribution.ts';
export type { AttributionReference, BlendAttribution, ColumnGroups } from './attribution.ts';

export { sigmoid, logit, softplus, LOGIT_EPS } from './link.ts';
export { mulberry32, stratifiedFolds } from './random.ts';

export { ensureBackend, activeBackend, wasmDirectory, type BackendName, type BackendOptions } from './tf.ts';
export {
  NeuralNet,
  NeuralParamsSchema,
  NeuralStateSchema,
  encodeFloat32,
  decodeFloat32,
  type NeuralParams,
  type NeuralParamsInput,
  type NeuralState,
  type NeuralJSON,
  type EpochLoss,
  type EncodedTensor,
} from './neural.ts';
export {
  ModelCardSchema,
  WindowSchema,
  schemaHash,
  canonicalJson,
  assertSchemaMatches,
  writeArtifact,
  loadArtifact,
  readModelCard,
  artifactDir,
  libraryVersions,
  CARD_FILE,
  CHECKSUM_FILE,
  type ModelCard,
  type ModelCardInput,
  type LoadedArtifact,
} from './artifact.ts';
// resolve/show/diff/promote are too generic to export bare
export * as registry from './registry.ts';

export { ScoringModel } from './scoring-model.ts';
export type { MemberSpec, ScoringFitOptions, ScoringOutputs, ScoringParts } from './scoring-model.ts';
export { baseEstimatorKind, baseEstimatorNames, registerBaseEstimator } from './base-estimators.ts';
export type { BaseEstimator, BaseEstimatorKind, BaseFitContext } from './base-estimators.ts';
export { randomFolds, timeFolds, predictedRows, type Fold, type FitPlan } from './folds.ts';
export { saveScoringModel, loadScoringModel, type LoadedScoringModel } from './scoring-artifact.ts';
