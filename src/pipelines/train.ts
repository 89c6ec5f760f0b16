import { DataError } from '../errors.ts';
import { withWarehouse, quoteIdent, type Warehouse } from '../store/index.ts';
import {
  buildFeatureTable,
  createDatePairs,
  fitEncoders,
  loadFeatureSpec,
  readFrame,
  snapshotDates,
  timeSplit,
  transform,
  latestLabelledAsOf,
  type FeatureFrame,
  type FeatureSpec,
} from '../features/index.ts';
import { parseRules, scoreRules } from '../rules/index.ts';
import type { RuleSet } from '../rules/types.ts';
import { readYamlFile } from './yaml.ts';
import { libraryVersions, schemaHash } from '../models/artifact.ts';
import { saveNewVersion } from '../models/registry.ts';
import { ensureBackend } from '../models/tf.ts';
import { PredictiveModel, baseModelRows, chooseStacking, type TestMetrics } from './predictive.ts';
import { takeRows } from '../schema/matrix.ts';
import { categoricalProfile, numericProfile, type FeatureProfile } from '../evaluate/drift.ts';
import type { TrainPipelineConfig } from './config.ts';
import { auditAndExclude, type ExcludedColumn } from './leakage.ts';

/** What a training run reports (the CLI prints it; --json emits it as is). */
export interface TrainReport {
  metrics: TestMetrics;
  excluded_columns: ExcludedColumn[];
  model: { name: string; version: string; dir: string };
  rows: { train: number; validation: number; calibration: number; test: number; dropped: number };
  blend_weights: Record<string, number>;
  calibration: { method: string; reason: string };
  training_window: { start: string; end: string; snapshots: number };
  test_window: { start: string; end: string };
  /** best achievable AUC on the test rows, when the warehouse holds the generator's truth */
  oracle_auc?: number;
  notes: string[];
}

/** Progress callback: one line per stage. */
export type StageReporter = (stage: string) => void;

const TRAIN_TABLE = 'training_features';
const TRAIN_PAIRS = '_ls_training_pairs';

/**
 * The (lead_id, as_of) rows to train on: every lead created before each date; above `maxRows`, a
 * seeded sample of leads keeps all of its snapshots (sampling rows would split a lead's history).
 */
async function snapshotPairs(w: Warehouse, dates: Date[], maxRows: number, seed: number): Promise<{ note?: string }> {
  const total = await createDatePairs(w, dates, TRAIN_PAIRS);
  if (total <= maxRows) return {};
  const keep = maxRows / total;
  await w.run(
    `DELETE FROM ${quoteIdent(TRAIN_PAIRS)} WHERE (md5_number(lead_id || ':' || ${Math.trunc(seed)}::VARCHAR) % 1000000) >= ${Math.floor(keep * 1_000_000)}`,
  );
  const kept = await w.count(TRAIN_PAIRS);
  return {
    note: `${total} snapshot rows exceed snapshots.max_rows ${maxRows}: trained on a seeded ${(100 * keep).toFixed(1)}% of leads (${kept} rows, every snapshot of each kept lead)`,
  };
}

/** Train on the canonical CRM tables (leads, activities, outcomes) as configured in pipelines/train.yaml. */
export async function trainCrm(
  cfg: TrainPipelineConfig,
  opts: { now: Date; onStage?: StageReporter },
): Promise<TrainReport> {
  const stage = opts.onStage ?? (() => undefined);
  const spec = loadFeatureSpec(cfg.features);
  const horizonDays = cfg.horizon_days;
  const rulesDoc = cfg.rules ? readYamlFile(cfg.rules, 'rules file') : null;
  const rules = rulesDoc !== null && cfg.rules ? parseRules(rulesDoc, cfg.rules) : null;
  await ensureBackend();
  return withWarehouse(cfg.db, async (w) => {
    const dates = await chooseSnapshotDates(w, cfg, horizonDays);
    stage(`features as of ${dates.length} snapshot dates (${iso(dates[0])} .. ${iso(dates[dates.length - 1])})`);
    const sampled = await snapshotPairs(w, dates, cfg.snapshots.max_rows, cfg.seed);
    if (sampled.note) stage(sampled.note);
    await buildFeatureTable(w, spec, { asOf: TRAIN_PAIRS, horizonDays, withLabels: true, into: TRAIN_TABLE });
    const frame = await readFrame(w, TRAIN_TABLE, spec);
    if (!frame.label) throw new DataError('training frame has no labels');
    let ruleScores: Float64Array | null = null;
    if (rules) {
      stage('rule scores for every snapshot row');
      ruleScores = (await ruleScoresAligned(w, rules, TRAIN_TABLE)).total;
    }
    // Validation and calibration share one holdout period (split by lead), so only two one-horizon gaps cost rows.
    const split = timeSplit(frame, {
      fractions: { train: 1 - cfg.split.validation - cfg.split.calibration - cfg.split.test, ...cfg.split },
      horizonDays,
      sharedHoldout: { seed: cfg.seed },
    });
    const { spec: usedSpec, excluded } = auditAndExclude(frame, split.train, spec, cfg.fail_on_leakage);
    const usedFrame = dropColumns(
      frame,
      excluded.map((e) => e.column),
    );
    const result = await fitAndSave(
      cfg,
      opts.now,
      { encoderSpec: usedSpec, cardSpec: usedSpec },
      usedFrame,
      ruleScores,
      split,
      stage,
      { rulesSpec: rulesDoc ?? undefined },
    );
    const oracle = await oracleOnTest(w, frame, split.test);
    const dropped = split.dropped?.length ?? 0;
    return {
      ...result,
      excluded_columns: excluded,
      rows: { ...result.rows, dropped },
      ...(oracle !== undefined ? { oracle_auc: oracle } : {}),
      notes: [
        ...(frame.notes ?? []),
        ...(sampled.note ? [sampled.note] : []),
        `${dropped} snapshot rows fall in the one-horizon gaps between splits and are left out, so no label window straddles a boundary`,
      ],
    };
  });
}

/** Per-pipeline model choices (flat tables and CRM snapshots differ in size, so in what pays off). */
export interface ModelTuning {
  /** one-hot quantile bins per numeric feature (0: none) */
  numericBins?: number;
  /** neural networks averaged in the final model */
  neuralEnsemble?: number;
  /** neural parameters over cfg.neural */
  neural?: Record<string, unknown>;
  /** gradient-boosted trees as a third base model (params; null: none) */
  gbdt?: Record<string, unknown> | null;
}

/** Fit encoders on the training split, the predictive bundle, measure on test, save the artifact. */
export async function fitAndSave(
  cfg: TrainPipelineConfig,
  now: Date,
  spec: { encoderSpec?: FeatureSpec; cardSpec: unknown },
  frame: FeatureFrame,
  ruleScores: Float64Array | null,
  split: { train: Int32Array; validation: Int32Array; calibration: Int32Array; test: Int32Array },
  stage: StageReporter,
  extra: { rulesSpec?: unknown; flat?: unknown; tuning?: ModelTuning } = {},
): Promise<Omit<TrainReport, 'excluded_columns' | 'notes'>> {
  const y = frame.label!;
  const tuning = extra.tuning ?? {};
  const timeOrdered = frame.asOf.some((t) => !Number.isNaN(t));
  const stacking = chooseStacking(cfg.stacking.mode, split.train.length + split.validation.length, timeOrdered);
  // The saved encoders are fitted on the rows the final base models learn from (train, plus
  // validation under cv stacking); cv refits them on each fold's training part (encodeFor).
  const baseRows = baseModelRows(split, stacking);
  const encoderOptions = { numericBins: tuning.numericBins ?? 0 };
  stage('encoders (fitted on the training rows only)');
  const encoders = fitEncoders(frame, baseRows, spec.encoderSpec, encoderOptions);
  const { matrix, source } = transform(encoders, frame);
  const model = await PredictiveModel.fit(matrix, y, ruleScores, split, {
    logistic: cfg.logistic,
    neural: { ...cfg.neural, ...(tuning.neural ?? {}) },
    calibration: cfg.calibration,
    seed: cfg.seed,
    onStage: stage,
    stacking,
    folds: cfg.stacking.folds,
    neuralEnsemble: tuning.neuralEnsemble ?? 1,
    gbdt: tuning.gbdt ?? null,
    encodeFor: (fitRows) => transform(fitEncoders(frame, fitRows, spec.encoderSpec, encoderOptions), frame).matrix,
  });
  stage('test-split metrics');
  const metrics = model.testMetrics(matrix, y, ruleScores, split.test);
  // Percentiles at scoring time rank a lead against this reference (the test split's calibrated
  // probabilities), so a lead's percentile does not depend on which batch or shard it was scored in.
  const testProbabilities = model.predict(
    takeRows(matrix, split.test),
    ruleScores ? pickRows(ruleScores, split.test) : null,
  ).probability;
  const window = (idx: Int32Array) => windowOf(frame, idx);
  const trainingWindow = window(baseRows);
  const testWindow = window(split.test);
  const bundle = model.toJSON();
  stage('saving the model artifact');
  const saved = saveNewVersion(
    cfg.models_dir,
    {
      name: cfg.name,
      created_at: now.toISOString(),
      seed: cfg.seed,
      parameters: {
        ...cfg,
        horizon_days: cfg.horizon_days,
        bands: resolveBands(cfg.bands, testProbabilities),
        bands_requested: cfg.bands,
      },
      features: { spec: spec.cardSpec, encoders, columns: matrix.columns, schema_hash: schemaHash(spec.cardSpec) },
      blend: { weights: model.blendWeights(), inputs: bundle.blend.state.inputs },
      calibrator: { method: model.calibrationMethod, reason: model.calibrationReason },
      training_window: { ...trainingWindow, rows: baseRows.length },
      test_window: { ...testWindow, rows: split.test.length },
      metrics: metrics.blend as unknown as Record<string, number>,
      library_versions: libraryVersions(),
    },
    {
      logistic: bundle.logistic,
      neural: bundle.neural,
      ...(bundle.gbdt ? { gbdt: bundle.gbdt } : {}),
      blend: bundle.blend,
      calibrator: bundle.calibrator,
      ...(bundle.rulesCalibrator ? { rules_calibrator: bundle.rulesCalibrator } : {}),
      ...(extra.rulesSpec ? { rules: extra.rulesSpec } : {}),
      metrics: metrics,
      columns: { source, ...(extra.flat ? { flat: extra.flat } : {}) },
      reference: {
        probability_quantiles: quantiles(testProbabilities, 1001),
        features: featureProfiles(frame, baseRows),
      },
    },
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
    calibration: { method: model.calibrationMethod, reason: model.calibrationReason },
    training_window: { start: trainingWindow.start, end: trainingWindow.end, snapshots: trainingWindow.snapshots },
    test_window: { start: testWindow.start, end: testWindow.end },
  };
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

/** Turn band thresholds ("top 5%" or a score) into scores, using the test split's calibrated probabilities. */
export function resolveBands(
  bands: TrainPipelineConfig['bands'],
  probabilities: Float64Array,
): { hot: number; warm: number } {
  const scores = Array.from(probabilities, (p) => Math.round(100 * p)).sort((a, b) => b - a);
  const resolve = (t: number | string): number => {
    if (typeof t === 'number') return t;
    const share = Number(/^top (\d+(?:\.\d+)?)%$/.exec(t)![1]) / 100;
    const k = Math.min(scores.length - 1, Math.max(0, Math.ceil(share * scores.length) - 1));
    return Math.max(1, scores[k] ?? 1); // a band needs a score above 0 to mean anything
  };
  const hot = resolve(bands.hot);
  const warm = Math.min(resolve(bands.warm), hot);
  return { hot: hot === warm ? hot + 1 : hot, warm };
}

/** Evenly spaced quantiles (count points from min to max) of a sample. */
export function quantiles(values: Float64Array, count: number): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return [];
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(sorted[Math.round((k / (count - 1)) * (sorted.length - 1))]);
  return out;
}

function pickRows(a: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

/** Rule results per row of a feature table, in readFrame's order (as_of, lead_id). */
export interface AlignedRuleScores {
  total: Float64Array;
  band: string[];
  grade: string[];
  mql: Uint8Array;
  /** JSON list of the rules that fired, per row (only with `withFired`) */
  fired?: string[];
}

/** Score the rules for exactly the (lead_id, as_of) rows of a feature table, aligned with readFrame's order. */
export async function ruleScoresAligned(
  w: Warehouse,
  rules: RuleSet,
  featureTable: string,
  opts: { withFired?: boolean } = {},
): Promise<AlignedRuleScores> {
  const pairs = `_ls_pairs_${featureTable}`;
  const scores = `_ls_rules_${featureTable}`;
  await w.run(`CREATE OR REPLACE TABLE ${quoteIdent(pairs)} AS SELECT lead_id, as_of FROM ${quoteIdent(featureTable)}`);
  try {
    await scoreRules(w, rules, { pairsTable: pairs, leads: 'all', into: scores });
    const cols = await w.columns(
      `SELECT coalesce(r.total, 0)::DOUBLE AS total, coalesce(r.band, 'unscored') AS band, coalesce(r.grade, '') AS grade,
              coalesce(r.mql::INTEGER, 0) AS mql${opts.withFired ? ", coalesce(r.fired::VARCHAR, '[]') AS fired" : ''}
       FROM ${quoteIdent(featureTable)} f LEFT JOIN ${quoteIdent(scores)} r USING (lead_id, as_of) ORDER BY f.as_of, f.lead_id`,
    );
    return {
      total: Float64Array.from(cols.total as number[]),
      band: cols.band as string[],
      grade: cols.grade as string[],
      mql: Uint8Array.from(cols.mql as number[]),
      ...(opts.withFired ? { fired: cols.fired as string[] } : {}),
    };
  } finally {
    await w.run(`DROP TABLE IF EXISTS ${quoteIdent(pairs)}`);
    await w.run(`DROP TABLE IF EXISTS ${quoteIdent(scores)}`);
  }
}

async function chooseSnapshotDates(w: Warehouse, cfg: TrainPipelineConfig, horizonDays: number): Promise<Date[]> {
  for (const t of ['leads', 'activities', 'outcomes']) {
    if (!(await w.tableExists(t)))
      throw new DataError(
        `warehouse ${cfg.db} has no "${t}" table`,
        'run `leadscore generate` or `leadscore ingest` first',
      );
  }
  const range = await w.one<{ first: Date | null; last: Date | null }>(
    `SELECT (SELECT min(created_at) FROM leads) AS first,
            greatest((SELECT max(occurred_at) FROM activities), (SELECT max(coalesce(closed_at, created_at)) FROM outcomes)) AS last`,
  );
  if (!range?.first || !range.last)
    throw new DataError(
      `warehouse ${cfg.db} has no leads`,
      'load data with `leadscore ingest` or `leadscore generate`',
    );
  const start = cfg.snapshots.start === 'auto' ? nextMonth(range.first) : new Date(cfg.snapshots.start);
  const end = cfg.snapshots.end === 'auto' ? latestLabelledAsOf(range.last, horizonDays) : new Date(cfg.snapshots.end);
  const dates = snapshotDates(start, end, cfg.snapshots.every);
  if (dates.length < 4) {
    throw new DataError(
      `only ${dates.length} snapshot dates fit between ${iso(start)} and ${iso(end)} (data ${iso(range.first)} .. ${iso(range.last)}, horizon ${horizonDays} days)`,
      'training needs history spanning several horizons: load more history, snapshot more often (snapshots.every: 7) or shorten horizon_days',
    );
  }
  return dates;
}

function nextMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

function iso(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 10) : '?';
}

function windowOf(frame: FeatureFrame, idx: Int32Array): { start: string; end: string; snapshots: number } {
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
  if (dates.size === 0) return { start: 'n/a', end: 'n/a', snapshots: 0 };
  return { start: new Date(lo).toISOString(), end: new Date(hi).toISOString(), snapshots: dates.size };
}

/** A frame without the named columns (the ones the leakage audit excluded). */
export function dropColumns(frame: FeatureFrame, names: string[]): FeatureFrame {
  if (names.length === 0) return frame;
  const drop = new Set(names);
  return { ...frame, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}

async function oracleOnTest(w: Warehouse, frame: FeatureFrame, test: Int32Array): Promise<number | undefined> {
  if (!(await w.tableExists('truth_snapshots'))) return undefined;
  const { rocAucSql } = await import('../synth/oracle.ts').catch(() => ({ rocAucSql: undefined }));
  if (!rocAucSql) return undefined;
  const dates = new Set<number>();
  for (const i of test) dates.add(frame.asOf[i]);
  const list = [...dates].map((t) => `epoch_ms(${t}::BIGINT)`).join(', ');
  const auc = await rocAucSql(
    w,
    `SELECT s.p_true_90d AS p, f.label AS y FROM ${quoteIdent(TRAIN_TABLE)} f JOIN truth_snapshots s USING (lead_id, as_of)
     WHERE f.as_of IN (${list})`,
  );
  return auc ?? undefined;
}
