import { DataError } from '../errors.ts';
import { requireWarehouse, withWarehouse, type Warehouse } from '../store/index.ts';
import {
  activeFeatures,
  buildFeatureTable,
  countCreationPairs,
  countDatePairs,
  createCreationPairs,
  createDatePairs,
  discoverExtras,
  loadFeatureSpec,
  readFrame,
  snapshotDates,
  timeSplit,
  withFeatures,
  type FeatureFrame,
  type FeatureSpec,
  type LeadSample,
} from '../features/index.ts';
import { alignedRuleScores, parseRules } from '../rules/index.ts';
import { readConfigFile } from '../config-file.ts';
import { ensureBackend } from '../models/tf.ts';
import { DATA_END_SQL, latestLabelledAsOf, type ExcludedColumn, type LeakageRecord } from '../schema/index.ts';
import type { TrainPipelineConfig } from './config.ts';
import { auditAndExclude } from './leakage.ts';
import { FEATURE_TABLE_SIGNATURE, claimOutputTable, recordOutputTable } from './output-tables.ts';
import {
  checkTrainable,
  describeCounts,
  emptyColumns,
  splitCounts,
  type EmptyColumns,
  type SplitCounts,
} from './train-checks.ts';
import { fitAndSave, fitNotes, type FitReport, type StageReporter, type TestMetrics } from './train-fit.ts';

export type { StageReporter, TestMetrics } from './train-fit.ts';

/** What a training run reports (the CLI prints it; --json emits it as is). */
export interface TrainReport extends FitReport {
  metrics: TestMetrics;
  excluded_columns: ExcludedColumn[];
  /** the leakage audit's decisions: exclusions, columns kept by the user, dominant columns to check */
  leakage: LeakageRecord;
  /** rows and conversions per part of the split, counted before fitting */
  counts: SplitCounts;
  /** features left out because they carry nothing on the training rows (constant or always missing) */
  dropped_features: string[];
  /** thin data and other things that make the model less trustworthy than its metrics suggest */
  warnings: string[];
  notes: string[];
}

/** Notes that make the audit's warnings and the user's overrides impossible to miss. */
export function leakageNotes(r: LeakageRecord): string[] {
  return [
    ...r.warnings.map((w) => `CHECK that "${w.column}" is known when a lead is scored: ${w.reason}`),
    ...r.kept_by_user.map((k) => `"${k.column}" ${k.reason}`),
  ];
}

/** The warehouse table training builds its snapshot features (and labels) into. */
export const TRAIN_TABLE = 'training_features';
const TRAIN_PAIRS = '_ls_training_pairs';

/**
 * The (lead_id, as_of) rows to train on: every lead created before each date; above `maxRows`, a
 * seeded sample of leads keeps all of its snapshots (sampling rows would split a lead's history).
 */
async function snapshotPairs(w: Warehouse, dates: Date[], maxRows: number, seed: number): Promise<{ note?: string }> {
  const total = await countDatePairs(w, dates);
  const sample = sampleOver(total, maxRows, seed);
  const kept = await createDatePairs(w, dates, TRAIN_PAIRS, { sample });
  return sampleNote(total, kept, maxRows, sample);
}

/**
 * Above maxRows, the share of leads to keep. The sample is drawn as the pairs are made: deleting the rest
 * afterwards (as before) took 45 s of a 1M-lead run for 8.8M pairs; the same leads are kept.
 */
function sampleOver(total: number, maxRows: number, seed: number): LeadSample | undefined {
  return total > maxRows ? { seed, share: maxRows / total } : undefined;
}

function sampleNote(total: number, kept: number, maxRows: number, sample?: LeadSample): { note?: string } {
  if (!sample) return {};
  return {
    note:
      `${total} snapshot rows exceed snapshots.max_rows ${maxRows}: trained on a seeded ` +
      `${(100 * sample.share).toFixed(1)}% of leads (${kept} rows, every snapshot of each kept lead)`,
  };
}

/** Train on the canonical CRM tables (leads, activities, outcomes) as configured in pipelines/train.yaml. */
export async function trainCrm(
  cfg: TrainPipelineConfig,
  opts: { now: Date; onStage?: StageReporter; onNotice?: StageReporter },
): Promise<TrainReport> {
  const stage = opts.onStage ?? (() => undefined);
  const notice = opts.onNotice ?? stage;
  const fileSpec = loadFeatureSpec(cfg.features);
  const horizonDays = cfg.horizon_days;
  const rulesDoc = cfg.rules ? readConfigFile(cfg.rules, 'rules file') : null;
  const rules = rulesDoc !== null && cfg.rules ? parseRules(rulesDoc, cfg.rules) : null;
  const created = cfg.snapshots.every === 'created';
  requireWarehouse(cfg.db); // a mistyped --db must not create an empty warehouse
  await ensureBackend();
  return withWarehouse(cfg.db, async (w) => {
    const notes: string[] = [];
    const range = await dataRange(w, cfg);
    const sampled = created ? await creationRows(w, cfg, range, stage) : await dateRows(w, cfg, range, stage);
    if (sampled.note) notes.push(sampled.note);
    let spec = fileSpec;
    if (cfg.extras === 'auto') {
      const extras = await discoverExtras(w, fileSpec);
      spec = withFeatures(fileSpec, extras.features);
      notes.push(...extras.notes);
    }
    // a table of the user's that happens to be called training_features is left alone
    const target = { flag: 'training table', command: 'train', replace: false, signature: FEATURE_TABLE_SIGNATURE };
    await claimOutputTable(w, TRAIN_TABLE, target);
    stage(`feature query: ${activeFeatures(spec).length} features x ${await w.count(TRAIN_PAIRS)} rows`);
    await buildFeatureTable(w, spec, { asOf: TRAIN_PAIRS, horizonDays, withLabels: true, into: TRAIN_TABLE });
    await recordOutputTable(w, TRAIN_TABLE, 'train');
    const frame = await readFrame(w, TRAIN_TABLE, spec);
    if (!frame.label) throw new DataError('training frame has no labels');
    // train | one-horizon gap | test: every row before the gap trains the final base models; the blend
    // and the calibrator learn from forward-chaining time folds inside it (see fitPlan). The gap keeps one
    // conversion from labelling snapshot rows on both sides; a lead labelled once, at creation, cannot, so
    // creation rows are split (and folded) by creation time with no gap.
    const gapDays = created ? 0 : horizonDays;
    const fractions = { train: 1 - cfg.split.test, test: cfg.split.test };
    const split = timeSplit(frame, { fractions, horizonDays: gapDays });
    const counts = splitCounts(frame.label, split);
    notice(`rows per part: ${describeCounts(counts)}`);
    const warnings = checkTrainable(counts, created ? 'created' : 'snapshots', horizonDays);
    for (const w of warnings) notice(`warning: ${w}`);
    const empty = emptyColumns(frame, split.train);
    const dropped = [...empty.missing, ...empty.constant.map((c) => c.name)];
    notes.push(...(await describeEmpty(w, spec, empty)));
    const kept = withExcluded(spec, dropped);
    let ruleScores: Float64Array | null = null;
    if (rules) {
      stage('rule scores for every snapshot row');
      ruleScores = (await alignedRuleScores(w, rules, { pairs: TRAIN_TABLE, order: 'as_of, lead_id' })).total;
    }
    const keptFrame = dropColumns(frame, dropped);
    stage('leakage audit on the training rows');
    // activity, ratio and burst features are computed from events before each snapshot: no name rule
    const pointInTime = new Set(
      kept.features.filter((f) => ['activity', 'ratio', 'burst'].includes(f.type)).map((f) => f.name),
    );
    const audit = auditAndExclude(keptFrame, split.train, kept, {
      failOnLeakage: cfg.fail_on_leakage,
      keep: cfg.leakage.keep,
      exclude: cfg.leakage.exclude,
      seed: cfg.seed,
      pointInTime,
    });
    const { spec: usedSpec, excluded } = audit;
    const usedFrame = dropColumns(
      keptFrame,
      excluded.map((e) => e.column),
    );
    const result = await fitAndSave(
      cfg,
      opts.now,
      {
        frame: usedFrame,
        split: { fit: split.train, test: split.test, dropped: split.dropped },
        horizonDays: gapDays,
        ruleScores,
        encoderSpec: usedSpec,
        cardSpec: usedSpec,
        leakage: audit.record,
        files: rulesDoc ? { rules: rulesDoc } : {},
      },
      stage,
    );
    const gapRows = split.dropped?.length ?? 0;
    return {
      ...result,
      excluded_columns: excluded,
      leakage: audit.record,
      rows: { ...result.rows, dropped: gapRows },
      counts,
      dropped_features: dropped,
      warnings,
      notes: [
        ...(frame.notes ?? []),
        ...notes,
        ...(created
          ? [
              `one row per lead as of its ` +
                `creation${cfg.snapshots.after_days ? ` + ${cfg.snapshots.after_days} days` : ''}, ` +
                `labelled won within ${horizonDays} days after that; split by creation time`,
            ]
          : [
              `${gapRows} snapshot rows fall in the one-horizon gap before the test period and are left out, ` +
                'so no label window straddles it',
            ]),
        ...leakageNotes(audit.record),
        ...fitNotes(result),
      ],
    };
  });
}

/** The first lead's creation and the data's last event (activities, outcomes, lead creations). */
async function dataRange(w: Warehouse, cfg: TrainPipelineConfig): Promise<{ first: Date; last: Date }> {
  for (const t of ['leads', 'activities', 'outcomes']) {
    if (!(await w.tableExists(t)))
      throw new DataError(
        `warehouse ${cfg.db} has no "${t}" table`,
        'run `leadscore generate` or `leadscore ingest` first',
      );
  }
  const range = await w.one<{ first: Date | null; last: Date | null }>(
    `SELECT (SELECT min(created_at) FROM leads) AS first,
            ${DATA_END_SQL} AS last`,
  );
  if (!range?.first || !range.last)
    throw new DataError(
      `warehouse ${cfg.db} has no leads`,
      'load data with `leadscore ingest` or `leadscore generate`',
    );
  return { first: range.first, last: range.last };
}

/** Monthly (or every-N-days) snapshot rows into TRAIN_PAIRS. */
async function dateRows(
  w: Warehouse,
  cfg: TrainPipelineConfig,
  range: { first: Date; last: Date },
  stage: StageReporter,
): Promise<{ note?: string }> {
  const dates = chooseSnapshotDates(cfg, range);
  stage(`features as of ${dates.length} snapshot dates (${iso(dates[0])} .. ${iso(dates[dates.length - 1])})`);
  const sampled = await snapshotPairs(w, dates, cfg.snapshots.max_rows, cfg.seed);
  if (sampled.note) stage(sampled.note);
  return sampled;
}

/** One row per lead as of its creation (+ after_days) into TRAIN_PAIRS, for leads whose label window has closed. */
async function creationRows(
  w: Warehouse,
  cfg: TrainPipelineConfig,
  range: { first: Date; last: Date },
  stage: StageReporter,
): Promise<{ note?: string }> {
  const horizonDays = cfg.horizon_days;
  const start = cfg.snapshots.start === 'auto' ? undefined : parseDate(cfg.snapshots.start, 'snapshots.start');
  const end =
    cfg.snapshots.end === 'auto'
      ? latestLabelledAsOf(range.last, horizonDays)
      : parseDate(cfg.snapshots.end, 'snapshots.end');
  const window = { afterDays: cfg.snapshots.after_days, start, end };
  const total = await countCreationPairs(w, window);
  if (total === 0)
    throw new DataError(
      `no lead's ${horizonDays}-day window after creation has closed by ${iso(range.last)}, the data's last event ` +
        `(leads created ${iso(range.first)} .. )`,
      'load more history, or shorten horizon_days',
    );
  stage(`one row per lead at creation: ${total} leads created up to ${iso(end)} (data ends ${iso(range.last)})`);
  const sample = sampleOver(total, cfg.snapshots.max_rows, cfg.seed);
  const kept = await createCreationPairs(w, TRAIN_PAIRS, { ...window, sample });
  return sampleNote(total, kept, cfg.snapshots.max_rows, sample);
}

function chooseSnapshotDates(cfg: TrainPipelineConfig, range: { first: Date; last: Date }): Date[] {
  const horizonDays = cfg.horizon_days;
  const every = cfg.snapshots.every === 'created' ? 'month' : cfg.snapshots.every;
  const start =
    cfg.snapshots.start === 'auto' ? nextMonth(range.first) : parseDate(cfg.snapshots.start, 'snapshots.start');
  const end =
    cfg.snapshots.end === 'auto'
      ? latestLabelledAsOf(range.last, horizonDays)
      : parseDate(cfg.snapshots.end, 'snapshots.end');
  if (start.getTime() > end.getTime())
    throw new DataError(
      `no snapshot date fits: the first (${iso(start)}) is after the last whose ${horizonDays}-day label window has ` +
        `closed (${iso(end)}; data ${iso(range.first)} .. ${iso(range.last)})`,
      'load more history, shorten horizon_days, or label each lead once at creation (train --label created)',
    );
  const dates = snapshotDates(start, end, every);
  if (dates.length < 4) {
    throw new DataError(
      `only ${dates.length} snapshot dates fit between ${iso(start)} and ${iso(end)} (data ${iso(range.first)} ` +
        `.. ${iso(range.last)}, horizon ${horizonDays} days)`,
      'training needs history spanning several horizons: load more history, snapshot more often ' +
        '(snapshots.every: 7), ' +
        'shorten horizon_days, or label each lead once at creation (train --label created)',
    );
  }
  return dates;
}

/** What the features that carry nothing are, in words: "no activities loaded: 26 engagement features are empty". */
async function describeEmpty(w: Warehouse, spec: FeatureSpec, empty: EmptyColumns): Promise<string[]> {
  const all = [...empty.missing, ...empty.constant.map((c) => c.name)];
  if (all.length === 0) return [];
  const byName = new Map(spec.features.map((f) => [f.name, f]));
  const fromActivities = (n: string) => ['activity', 'burst', 'ratio'].includes(byName.get(n)?.type ?? '');
  const notes: string[] = [];
  let rest = all;
  if ((await w.count('activities')) === 0) {
    const act = all.filter(fromActivities);
    if (act.length) notes.push(`no activities loaded: ${act.length} engagement features are empty and were left out`);
    rest = all.filter((n) => !fromActivities(n));
  }
  const missing = rest.filter((n) => empty.missing.includes(n));
  const constant = empty.constant.filter((c) => rest.includes(c.name));
  if (missing.length)
    notes.push(`${missing.length} features are missing on every training row and were left out: ${list(missing)}`);
  if (constant.length)
    notes.push(
      `${constant.length} features have one value on every training row and were left out: ` +
        list(constant.map((c) => `${c.name} (${c.value})`)),
    );
  return notes;
}

function list(xs: string[], max = 12): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

function withExcluded(spec: FeatureSpec, names: string[]): FeatureSpec {
  if (names.length === 0) return spec;
  return { ...spec, exclude: [...new Set([...spec.exclude, ...names])] };
}

function parseDate(raw: string, key: string): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(d.getTime()))
    throw new DataError(`${key}: "${raw.slice(0, 40)}" is not a date`, `write it like 2024-01-01, or auto`);
  return d;
}

function nextMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

function iso(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 10) : '?';
}

/** A frame without the named columns (the ones the leakage audit excluded). */
export function dropColumns(frame: FeatureFrame, names: string[]): FeatureFrame {
  if (names.length === 0) return frame;
  const drop = new Set(names);
  return { ...frame, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}
