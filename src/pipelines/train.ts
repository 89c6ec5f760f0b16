import { DataError } from '../errors.ts';
import { withWarehouse, quoteIdent, type Warehouse } from '../store/index.ts';
import {
  buildFeatureTable,
  createDatePairs,
  loadFeatureSpec,
  readFrame,
  snapshotDates,
  timeSplit,
  type FeatureFrame,
} from '../features/index.ts';
import { alignedRuleScores, parseRules } from '../rules/index.ts';
import { readConfigFile } from '../config-file.ts';
import { ensureBackend } from '../models/tf.ts';
import { DATA_END_SQL, latestLabelledAsOf, type ExcludedColumn, type LeakageRecord } from '../schema/index.ts';
import type { TrainPipelineConfig } from './config.ts';
import { auditAndExclude } from './leakage.ts';
import { fitAndSave, fitNotes, type FitReport, type StageReporter, type TestMetrics } from './train-fit.ts';

export type { StageReporter, TestMetrics } from './train-fit.ts';

/** What a training run reports (the CLI prints it; --json emits it as is). */
export interface TrainReport extends FitReport {
  metrics: TestMetrics;
  excluded_columns: ExcludedColumn[];
  /** the leakage audit's decisions: exclusions, columns kept by the user, dominant columns to check */
  leakage: LeakageRecord;
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
  const rulesDoc = cfg.rules ? readConfigFile(cfg.rules, 'rules file') : null;
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
      ruleScores = (await alignedRuleScores(w, rules, { pairs: TRAIN_TABLE, order: 'as_of, lead_id' })).total;
    }
    // train | one-horizon gap | test: every row before the gap trains the final base models; the blend
    // and the calibrator learn from forward-chaining time folds inside it (see fitPlan).
    const split = timeSplit(frame, { fractions: { train: 1 - cfg.split.test, test: cfg.split.test }, horizonDays });
    stage('leakage audit on the training rows');
    // activity, ratio and burst features are computed from events before each snapshot: no name rule
    const pointInTime = new Set(
      spec.features.filter((f) => ['activity', 'ratio', 'burst'].includes(f.type)).map((f) => f.name),
    );
    const audit = auditAndExclude(frame, split.train, spec, {
      failOnLeakage: cfg.fail_on_leakage,
      keep: cfg.leakage.keep,
      exclude: cfg.leakage.exclude,
      seed: cfg.seed,
      pointInTime,
    });
    const { spec: usedSpec, excluded } = audit;
    const usedFrame = dropColumns(
      frame,
      excluded.map((e) => e.column),
    );
    const result = await fitAndSave(
      cfg,
      opts.now,
      {
        frame: usedFrame,
        split: { fit: split.train, test: split.test, dropped: split.dropped },
        horizonDays,
        ruleScores,
        encoderSpec: usedSpec,
        cardSpec: usedSpec,
        leakage: audit.record,
        files: rulesDoc ? { rules: rulesDoc } : {},
      },
      stage,
    );
    const dropped = split.dropped?.length ?? 0;
    return {
      ...result,
      excluded_columns: excluded,
      leakage: audit.record,
      rows: { ...result.rows, dropped },
      notes: [
        ...(frame.notes ?? []),
        ...(sampled.note ? [sampled.note] : []),
        `${dropped} snapshot rows fall in the one-horizon gap before the test period and are left out, ` +
          'so no label window straddles it',
        ...leakageNotes(audit.record),
        ...fitNotes(result),
      ],
    };
  });
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
            ${DATA_END_SQL} AS last`,
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

/** A frame without the named columns (the ones the leakage audit excluded). */
export function dropColumns(frame: FeatureFrame, names: string[]): FeatureFrame {
  if (names.length === 0) return frame;
  const drop = new Set(names);
  return { ...frame, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}
