import { categoricalProfile, numericProfile, type FeatureProfile } from '../evaluate/drift.ts';
import { summarize, type MetricSummary } from '../evaluate/metrics.ts';
import { fitEncoders, transform, type FeatureFrame, type FeatureSpec } from '../features/index.ts';
import { libraryVersions, schemaHash } from '../models/artifact.ts';
import { saveScoringModel } from '../models/scoring-artifact.ts';
import { ScoringModel, type MemberSpec, type TrainingRecord } from '../models/scoring-model.ts';
import { randomFolds, timeFolds, type FitPlan } from '../models/folds.ts';
import { derivedSeed, hashToUnit } from '../random.ts';
import { reliabilityBins } from '../evaluate/metrics.ts';
import { pickValues, takeRows } from '../schema/matrix.ts';
import type { FlatCardSpec, LeakageRecord, ModelWindow, TrainPipelineConfig } from '../schema/index.ts';

/**
 * The part of training both pipelines share (CRM snapshots and flat tables): the fit plan (which rows
 * each part learns from: folds over every non-test row, by time blocks for snapshots), encoders fitted
 * on the base models' rows, the scoring model fitted part by part, test-split metrics for every scorer,
 * and the artifact saved as the next version.
 */

/** Progress callback: one line per stage. */
export type StageReporter = (stage: string) => void;

/** Test-split metrics per scorer: each base model, rules (when present) and the calibrated blend. */
export type TestMetrics = Record<string, MetricSummary>;

/** One of the 10 equal-width bins the test ECE is summed over (null rates: an empty bin). */
export interface EceBin {
  lower: number;
  upper: number;
  rows: number;
  mean_probability: number | null;
  converted: number | null;
}

/** The ECE's bins, as the card and the report show them. */
export function eceBins(y: Uint8Array, p: Float64Array): EceBin[] {
  const r4 = (x: number) => (Number.isNaN(x) ? null : Math.round(x * 10000) / 10000);
  return reliabilityBins(y, p).map((b) => ({
    lower: r4(b.lower)!,
    upper: r4(b.upper)!,
    rows: b.count,
    mean_probability: r4(b.meanPredicted),
    converted: r4(b.observedRate),
  }));
}

/** Per-pipeline model choices (flat tables and CRM snapshots differ in size, so in what pays off). */
export interface ModelTuning {
  /** one-hot quantile bins per numeric feature (0: none) */
  numericBins?: number;
  /** the base estimators, in blend order, with parameters over the pipeline file's */
  members?: MemberSpec[];
  /** folds when the pipeline file does not set stacking.folds */
  folds?: number;
  /** the candidate search's budget (ScoringFitOptions.searchBudget) */
  searchBudget?: number;
}

/** What the fit reports, before the pipeline adds its own notes. */
export interface FitReport {
  metrics: TestMetrics;
  model: { name: string; version: string; dir: string };
  /**
   * train: rows the final base models saw (every non-test row); validation and calibration: the
   * out-of-fold rows the blend and the calibrator learned from (the same rows, predicted by fold
   * models that never saw them)
   */
  rows: { train: number; validation: number; calibration: number; test: number; dropped: number };
  blend_weights: Record<string, number>;
  calibration: { method: string; reason: string };
  /** folds, candidates, members left out of the blend, warnings */
  training: TrainingRecord;
  /** the blend's test ECE bin by bin (10 equal-width bins): rows, mean probability, share converted */
  ece_bins: EceBin[];
  training_window: { start: string; end: string; snapshots: number };
  test_window: { start: string; end: string };
}

/** Rows of a frame: the ones the model may learn from, and the test rows it is measured on. */
export interface TrainTestSplit {
  /** every row any part may learn from (CRM: before the gap that precedes the test period) */
  fit: Int32Array;
  test: Int32Array;
  /** rows left out (CRM: the one-horizon gap before the test period) */
  dropped?: Int32Array;
}

/** What fitAndSave needs besides the config. */
export interface FitInput {
  frame: FeatureFrame;
  split: TrainTestSplit;
  /** CRM snapshots: the label horizon, which separates time folds */
  horizonDays?: number;
  /** the rule score per frame row, when training beside a points model */
  ruleScores: Float64Array | null;
  /** the spec the encoders read per-feature options from (CRM); none for flat tables */
  encoderSpec?: FeatureSpec;
  /** what the card records as the feature spec (its hash guards scoring) */
  cardSpec: FeatureSpec | FlatCardSpec;
  /** the leakage audit's decisions, for the card */
  leakage?: LeakageRecord;
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
  const plan = fitPlan(frame, split, cfg, tuning, input.horizonDays);
  // The saved encoders are fitted on the rows the final base models learn from (every non-test row);
  // each fold refits its own on the fold's rows (encodeFor).
  const baseRows = plan.rows;
  const encoderOptions = { numericBins: tuning.numericBins ?? 0 };
  stage('encoders (fitted on the non-test rows only)');
  const encoders = fitEncoders(frame, baseRows, input.encoderSpec, encoderOptions);
  const { matrix, source } = transform(encoders, frame);
  const model = await ScoringModel.fit(matrix, y, ruleScores, plan, {
    members: tuning.members ?? defaultMembers(cfg),
    calibration: cfg.calibration,
    seed: cfg.seed,
    onStage: stage,
    bands: cfg.bands,
    searchBudget: tuning.searchBudget,
    encodeFor: (fitRows, rows) =>
      transform(fitEncoders(frame, fitRows, input.encoderSpec, encoderOptions), frame, rows).matrix,
  });
  stage('test-split metrics');
  const { metrics, bins } = testMetrics(model, matrix, y, ruleScores, split.test);
  const training = model.training!;
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
      training: { ...training, test_ece_bins: bins },
      ...(input.leakage ? { leakage: input.leakage } : {}),
      library_versions: libraryVersions(),
    },
    model,
    { metrics, columns: { source }, profiles: featureProfiles(frame, baseRows), ...(input.files ?? {}) },
  );
  return {
    metrics,
    model: { name: cfg.name, version: saved.version, dir: saved.dir },
    rows: {
      train: training.rows.base_models,
      validation: training.rows.blend,
      calibration: training.rows.calibrator,
      test: split.test.length,
      dropped: split.dropped?.length ?? 0,
    },
    blend_weights: model.blendWeights(),
    calibration: model.calibration,
    training,
    ece_bins: bins,
    training_window: { start: trainingWindow.start, end: trainingWindow.end, snapshots: trainingWindow.snapshots },
    test_window: { start: testWindow.start, end: testWindow.end },
  };
}

/** Notes for the train report: which rows each part saw, members left out of the blend, warnings. */
export function fitNotes(r: FitReport): string[] {
  const t = r.training;
  const folds =
    t.folds.kind === 'time'
      ? `${t.folds.count} forward-chaining time folds (each fitted on earlier snapshots, one horizon apart)`
      : `${t.folds.count} stratified folds`;
  const notes = [
    `rows: the final base models were fitted on all ${t.rows.base_models} non-test rows; the blend learned from ` +
      `${t.rows.blend} out-of-fold predictions (${folds}) and the calibrator from cross-fitted blend ` +
      `predictions on the same rows; the ${t.rows.test} test rows were only predicted`,
  ];
  for (const m of t.members) {
    if (!m.kept) notes.push(`${m.name}: ${m.note} (out-of-fold log loss ${m.oof_logloss.toFixed(4)})`);
    else if (m.candidates.length > 1) {
      notes.push(
        `${m.name}: ${m.note}: ${m.candidates.map((c) => c.oof_logloss.toFixed(4)).join(', ')} -> ` +
          JSON.stringify(compactParams(m.params)),
      );
    }
  }
  for (const w of t.warnings) notes.push(`WARNING: ${w}`);
  return notes;
}

function compactParams(p: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'seed'));
}

/**
 * Which rows each part learns from: stratified random folds over the non-test rows of a flat table;
 * forward-chaining time blocks (with the one-horizon gap) over CRM snapshots, whose leads keep their
 * snapshots together when the blend is cross-fitted for the calibrator.
 */
export function fitPlan(
  frame: FeatureFrame,
  split: TrainTestSplit,
  cfg: TrainPipelineConfig,
  tuning: ModelTuning,
  horizonDays: number | undefined,
): FitPlan {
  const timeOrdered = frame.asOf.some((t) => !Number.isNaN(t));
  const single = cfg.stacking.mode === 'holdout';
  if (timeOrdered) {
    if (horizonDays === undefined) throw new Error('fitPlan: snapshot rows need the label horizon');
    // one forward fold by default: snapshots are many (the later half of the training period gives the
    // blend and the calibrator hundreds of thousands of out-of-sample rows at 100k leads), and each fold
    // refits every base model
    const k = single ? 1 : (cfg.stacking.folds ?? tuning.folds ?? 1);
    const folds = timeFolds(split.fit, frame.asOf, k, horizonDays);
    const group = Int32Array.from(frame.ids, (id) => Math.floor(hashToUnit(id, cfg.seed) * 1_000_003));
    return { rows: split.fit, folds: single ? folds.slice(-1) : folds, kind: 'time', test: split.test, group };
  }
  const k = cfg.stacking.folds ?? tuning.folds ?? 5;
  const folds = randomFolds(split.fit, frame.label!, k, derivedSeed(cfg.seed, 101));
  return { rows: split.fit, folds: single ? folds.slice(0, 1) : folds, kind: 'random', test: split.test };
}

/**
 * Test-split metrics of each base model, the rules (mapped to probabilities) and the calibrated blend, and the
 * blend's ECE bins, from one prediction of the test rows.
 */
export function testMetrics(
  model: ScoringModel,
  X: ReturnType<typeof transform>['matrix'],
  y: Uint8Array,
  rules: Float64Array | null,
  test: Int32Array,
): { metrics: TestMetrics; bins: EceBin[] } {
  const yte = pickValues(y, test);
  const rte = rules ? pickValues(rules, test) : null;
  const out = model.predict(takeRows(X, test), rte);
  const metrics: TestMetrics = {};
  for (const name of model.memberNames) metrics[name] = summarize(yte, out.base[name]);
  if (rte && model.hasRulesCalibrator) metrics.rules = summarize(yte, model.rulesProbability(rte));
  metrics.blend = summarize(yte, out.probability);
  return { metrics, bins: eceBins(yte, out.probability) };
}

/** Each feature's distribution on the training rows: the baseline `leadscore monitor` measures drift against. */
export function featureProfiles(frame: FeatureFrame, rows: Int32Array): Record<string, FeatureProfile> {
  const out: Record<string, FeatureProfile> = {};
  // plain loops: Float64Array.from / Array.from with a callback cost a call per row (483k x 40 columns at 100k leads)
  const values = new Float64Array(rows.length);
  for (const c of frame.columns) {
    if (c.kind === 'numeric') {
      for (let k = 0; k < rows.length; k++) values[k] = c.values[rows[k]];
      out[c.name] = numericProfile(values);
    } else {
      const picked = new Array<string | null>(rows.length);
      for (let k = 0; k < rows.length; k++) picked[k] = c.values[rows[k]];
      out[c.name] = categoricalProfile(picked);
    }
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
