/**
 * The feature layer: definitions -> point-in-time SQL, labels, snapshots, splits, encoders, flat tables, leakage audit.
 */
export {
  loadFeatureSpec,
  parseFeatureSpec,
  validateActivityNames,
  activeFeatures,
  featureKind,
  specSource,
  FeatureSpec,
  FeatureDef,
  NumericEncoding,
  CategoricalEncoding,
  DERIVATIONS,
  ACTIVITY_AGGS,
} from './spec.ts';
export type { Derivation, ActivityAgg } from './spec.ts';
export { compileFeatureQuery, expandActivities } from './compile.ts';
export { buildFeatureTable, countFutureEvents } from './build.ts';
export type { BuildOptions } from './build.ts';
export {
  snapshotDates,
  createDatePairs,
  countDatePairs,
  createLeadAgePairs,
  createCreationPairs,
  countCreationPairs,
  type LeadSample,
} from './snapshots.ts';
export { discoverExtras, withFeatures, MAX_EXTRA_LEVELS } from './extras.ts';
export { readFrame, takeFrame } from './frame.ts';
export type { FeatureFrame, FeatureColumn } from './frame.ts';
export { timeSplit, stratifiedSplit, mulberry32 } from './splits.ts';
export type { Split, SplitFractions } from './splits.ts';
export { fitEncoders, transform, encoderColumns, OTHER_LEVEL, MISSING_LEVEL } from './encoders.ts';
export type { EncoderState, NumericEncoder, CategoricalEncoder } from './encoders.ts';
export { describeFeature, featureDescriber, factorDescriber, rulesPhrase } from './describe.ts';
export type { FactorDescriber } from './describe.ts';
export { FACTORS, factorLabel, factorOf, factorPlan, referenceRow } from './factors.ts';
export type { Factor, FactorPlan } from './factors.ts';
export { loadFlatFrame, loadFlatScoringFrame, loadFlatSpec, FlatSpec } from './flat.ts';
export type { FlatOptions, FlatFrame, FlatScoringFrame, FlatScoringSpec } from './flat.ts';
export { auditLeakage, rocAuc } from './audit.ts';
export type { AuditReport, AuditFeature, AuditOptions } from './audit.ts';
