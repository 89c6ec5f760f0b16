import { categoricalProfile, numericProfile, type FeatureProfile } from '../evaluate/drift.ts';
import { summarize, type MetricSummary } from '../evaluate/metrics.ts';
import { fitEncoders, transform, type FeatureFrame, type FeatureSpec } from '../features/index.ts';
import { libraryVersions, schemaHash } from '../models/artifact.ts';
import { saveScoringModel } from '../models/scoring-artifact.ts';
import { ScoringModel, type MemberSpec } from '../models/scoring-model.ts';
import { baseModelRows, chooseStacking, type Splits } from '../models/stacking.ts';
import { pickValues, takeRows } from '../schema/matrix.ts';
import type { FlatCardSpec, ModelWindow, TrainPipelineConfig } from '../schema/index.ts';

/**
 * The part of training both pipelines share (CRM snapshots and flat tables): encoders fitted on the
 * base models' rows, the scoring model fitted part by part, test-split metrics for every scorer, and
 * the artifact saved as the next version.
 */

/** Progress callback: one line per stage. */
export type StageReporter = (stage: string) => void;

/** Test-split metrics per scorer: each base model, rules (when present) and the calibrated blend. */
export type TestMetrics = Record<string, MetricSummary>;

/** Per-pipeline model choices (flat tables and CRM snapshots differ in size, so in what pays off). */
export interface ModelTuning {
  /** one-hot quantile bins per numeric feature (0: none) */
  numericBins?: number;
  /** the base estimators, in blend order, with parameters over the pipeline file's */
  members?: MemberSpec[];
}

/** What the fit reports, before the pipeline adds its own notes. */
export interface FitReport {
  metrics: TestMetrics;
  model: { name: string; version: string; dir: string };
  rows: { train: number; validation: number; calibration: number; test: number; dropped: number };
  blend_weights: Record<string, number>;
  calibration: { method: string; reason: string };
  training_window: { start: string; end: string; snapshots: number };
  test_window: { start: string; end: string };
}

/** What fitAndSave needs besides the config. */
export interface FitInput {
  frame: FeatureFrame;
  split: Splits;
  /** the rule score per frame row, when training beside a points model */
  ruleScores: Float64Array | null;
  /** the spec the encoders read per-feature options from (CRM); none for flat tables */
  encoderSpec?: FeatureSpec;
  /** what the card records as the feature spec (its hash guards scoring) */
  cardSpec: FeatureSpec | FlatCardSpec;
  /** extra artifact files: the rules document, flat-table reading options */
  files?: Record<string, unknown>;
  tuning?: ModelTuning;
}

/** The base estimators a pipeline config asks for: logistic and neural with the config's parameters. */
export function defaultMembers(cfg: TrainPipelineConfig): MemberSpec[] {
  return [
    { name: 'logistic', params: cfg.logistic },
    { name: 'neural', params: cfg.neural },
  ];
}

/** Fit encoders on the base models' rows, the scoring model, measure on test, save the artifact. */
export async function fitAndSave(
  cfg: TrainPipelineConfig,
  now: Date,
  input: FitInput,
  stage: StageReporter,
): Promise<FitReport> {
  const { frame, split, ruleScores } = input;
  const y = frame.label!;
  const tuning = input.tuning ?? {};
  const timeOrdered = frame.asOf.some((t) => !Number.isNaN(t));
  const stacking = chooseStacking(cfg.stacking.mode, split.train.length + split.validation.length, timeOrdered);
  // The saved encoders are fitted on the rows the final base models learn from (train, plus
  // validation under cv stacking); cv refits them on each fold's training part (encodeFor).
  const baseRows = baseModelRows(split, stacking);
  const encoderOptions = { numericBins: tuning.numericBins ?? 0 };
  stage('encoders (fitted on the training rows only)');
  const encoders = fitEncoders(frame, baseRows, input.encoderSpec, encoderOptions);
  const { matrix, source } = transform(encoders, frame);
  const model = await ScoringModel.fit(matrix, y, ruleScores, split, {
    members: tuning.members ?? defaultMembers(cfg),
    calibration: cfg.calibration,
    seed: cfg.seed,
    onStage: stage,
    stacking,
    folds: cfg.stacking.folds,
    bands: cfg.bands,
    encodeFor: (fitRows) => transform(fitEncoders(frame, fitRows, input.encoderSpec, encoderOptions), frame).matrix,
  });
  stage('test-split metrics');
  const metrics = testMetrics(model, matrix, y, ruleScores, split.test);
  const trainingWindow = windowOf(frame, baseRows);
  const testWindow = windowOf(frame, split.test);
  stage('saving the model artifact');
  const saved = saveScoringModel(
    cfg.models_dir,
    {
      name: cfg.name,
      created_at: now.toISOString(),
      seed: cfg.seed,
      parameters: { ...cfg, bands_requested: cfg.bands },
      features: { spec: input.cardSpec, encoders, columns: matrix.columns, schema_hash: schemaHash(input.cardSpec) },
      training_window: trainingWindow,
      test_window: testWindow,
      metrics: { ...metrics.blend },
      library_versions: libraryVersions(),
    },
    model,
    { metrics, columns: { source }, profiles: featureProfiles(frame, baseRows), ...(input.files ?? {}) },
  );
  return {
    metrics,
    model: { name: cfg.name, version: saved.version, dir: saved.dir },
    rows: {
      train: split.train.length,
      validation: split.validation.length,
      calibration: split.calibration.length,
      test: split.test.length,
      dropped: 0,
    },
    blend_weights: model.blendWeights(),
    calibration: model.calibration,
    training_window: { start: trainingWindow.start, end: trainingWindow.end, snapshots: trainingWindow.snapshots },
    test_window: { start: testWindow.start, end: testWindow.end },
  };
}

/** Test-split metrics of each base model, the rules (mapped to probabilities) and the calibrated blend. */
export function testMetrics(
  model: ScoringModel,
  X: ReturnType<typeof transform>['matrix'],
  y: Uint8Array,
  rules: Float64Array | null,
  test: Int32Array,
): TestMetrics {
  const yte = pickValues(y, test);
  const rte = rules ? pickValues(rules, test) : null;
  const out = model.predict(takeRows(X, test), rte);
  const metrics: TestMetrics = {};
  for (const name of model.memberNames) metrics[name] = summarize(yte, out.base[name]);
  if (rte && model.hasRulesCalibrator) metrics.rules = summarize(yte, model.rulesProbability(rte));
  metrics.blend = summarize(yte, out.probability);
  return metrics;
}

/** Each feature's distribution on the training rows: the baseline `leadscore monitor` measures drift against. */
export function featureProfiles(frame: FeatureFrame, rows: Int32Array): Record<string, FeatureProfile> {
  const out: Record<string, FeatureProfile> = {};
  for (const c of frame.columns) {
    out[c.name] =
      c.kind === 'numeric'
        ? numericProfile(Float64Array.from(rows, (i) => c.values[i]))
        : categoricalProfile(Array.from(rows, (i) => c.values[i]));
  }
  return out;
}

/** The snapshot dates and row count of some rows of a frame ('n/a' for flat tables, which have no dates). */
function windowOf(frame: FeatureFrame, idx: Int32Array): ModelWindow {
  let lo = Infinity;
  let hi = -Infinity;
  const dates = new Set<number>();
  for (const i of idx) {
    const t = frame.asOf[i];
    if (Number.isNaN(t)) continue;
    dates.add(t);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (dates.size === 0) return { start: 'n/a', end: 'n/a', snapshots: 0, rows: idx.length };
  return {
    start: new Date(lo).toISOString(),
    end: new Date(hi).toISOString(),
    snapshots: dates.size,
    rows: idx.length,
  };
}
