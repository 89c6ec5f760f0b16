import path from 'node:path';
import { parseConfig } from '../config-file.ts';
import { DataError, UsageError } from '../errors.ts';
import { requireWarehouse, withWarehouse } from '../store/index.ts';
import { loadPipelineConfig, TrainPipelineConfig } from './config.ts';
import { trainFlat } from './train-flat.ts';
import { trainCrm, type StageReporter, type TrainReport } from './train.ts';

/** What a training run takes: a pipeline file and overrides of its keys, plus a flat file and its columns. */
export interface TrainRunOptions {
  /** pipeline YAML with the defaults; omitted: pipelines/train.yaml when it exists, else the built-in defaults */
  pipeline?: string;
  /** warehouse with leads, activities and outcomes, or with a flat table (overrides the pipeline file) */
  db?: string;
  seed?: number;
  /**
   * model name under the models folder; default: the pipeline file's, or for a flat file its base name
   * (x_education_leads.csv: x_education_leads), for a flat table its name
   */
  name?: string;
  modelsDir?: string;
  /** stop if the leakage audit suspects a column, instead of excluding it */
  failOnLeakage?: boolean;
  /** CRM rows: 'created' (one per lead at creation) or 'snapshots' (monthly); overrides snapshots.every */
  label?: string;
  /** label horizon in days (overrides horizon_days) */
  horizonDays?: number;
  /** train on this flat file (CSV, Parquet or JSON lines; one row per lead) instead of the warehouse */
  data?: string;
  /** train on this flat table of the warehouse (loaded by `leadscore ingest --flat`) */
  table?: string;
  /** with `data`: the outcome column */
  target?: string;
  /** with `data`: the lead id column (never a feature) */
  id?: string;
  /** with `data`: the target value that means converted */
  positive?: string;
  /** columns to leave out whatever the leakage audit says (added to the pipeline file's leakage.exclude) */
  exclude?: string[];
  /** columns the leakage audit must not exclude: known when a lead is scored (added to leakage.keep) */
  keep?: string[];
  /** with `data`: write the input rows plus a `split` column here */
  exportSplit?: string;
  /** stamped on the artifact as its creation time */
  now: Date;
  onStage?: StageReporter;
  /** lines that must be seen as they happen: the counts per part before fitting, warnings */
  onNotice?: StageReporter;
}

/** Flat-file options and the flag that sets each, for the "only applies with --data" check. */
const FLAT_ONLY = [
  ['target', '--target'],
  ['id', '--id'],
  ['exportSplit', '--export-split'],
  ['positive', '--positive'],
] as const;

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** A model name from a file or table name: x_education_leads.csv -> x_education_leads; '' when nothing is left. */
export function modelNameOf(source: string): string {
  const base = path.basename(source).replace(/\.(csv|tsv|txt|parquet|json|jsonl|ndjson)(\.gz)?$/i, '');
  return base
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, 64);
}

/**
 * Train and save a versioned model: on the warehouse's CRM tables (trainCrm) or on a flat table, from a
 * file (`data`) or from the warehouse (`table`, or the only flat table of a warehouse without leads). The
 * pipeline file's keys are the defaults; the options override them.
 */
export async function runTraining(opts: TrainRunOptions): Promise<TrainReport> {
  if (opts.name !== undefined && !NAME.test(opts.name))
    throw new UsageError(
      `--name "${opts.name.slice(0, 64)}": a model name is letters, digits, - and _ (starting with a letter or digit)`,
      'e.g. --name leads_2025',
    );
  if (opts.label !== undefined && opts.label !== 'created' && opts.label !== 'snapshots')
    throw new UsageError(`--label must be created or snapshots, got "${opts.label}"`, 'e.g. --label created');
  if (opts.data && opts.table) throw new UsageError('--data and --table exclude each other: one flat table at a time');
  const overridden = [...(opts.db ? ['db'] : []), ...(opts.modelsDir ? ['models_dir'] : [])];
  const base = loadPipelineConfig(
    TrainPipelineConfig,
    opts.pipeline ?? 'pipelines/train.yaml',
    opts.pipeline === undefined,
    { overridden },
  );
  const db = opts.db ?? base.db;
  const flat = opts.data ? undefined : await flatTableOf(db, opts);
  const isFlat = Boolean(opts.data || flat);
  if (isFlat && opts.label) throw new UsageError('--label applies to CRM data (leads and outcomes), not a flat table');
  // a flat model is named after its data unless the pipeline file or --name says otherwise
  const flatName = opts.data ? modelNameOf(opts.data) : flat ? modelNameOf(flat.table) : '';
  const name =
    opts.name ?? (isFlat && base.name === 'leadscore' ? (NAME.test(flatName) ? flatName : 'flat') : base.name);
  const cfg = parseConfig(
    TrainPipelineConfig,
    {
      ...base,
      db,
      name,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.modelsDir ? { models_dir: opts.modelsDir } : {}),
      ...(opts.failOnLeakage ? { fail_on_leakage: true } : {}),
      // --keep / --exclude settle the leakage audit on top of the pipeline file's leakage section
      leakage: {
        keep: [...new Set([...base.leakage.keep, ...(opts.keep ?? [])])],
        exclude: [...new Set([...base.leakage.exclude, ...(opts.exclude ?? [])])],
      },
      ...(opts.horizonDays !== undefined ? { horizon_days: opts.horizonDays } : {}),
      ...(opts.label
        ? { snapshots: { ...base.snapshots, every: opts.label === 'created' ? 'created' : 'month' } }
        : {}),
      // no rule set applies to a flat table
      ...(isFlat ? { rules: null } : {}),
    },
    'train options',
  );
  if (!isFlat) {
    for (const [key, flag] of FLAT_ONLY) {
      const value = opts[key];
      if (Array.isArray(value) ? value.length > 0 : value)
        throw new UsageError(`${flag} only applies with --data (flat files)`);
    }
    return trainCrm(cfg, { now: opts.now, onStage: opts.onStage, onNotice: opts.onNotice });
  }
  if (flat) {
    for (const [key, flag] of FLAT_ONLY) {
      const value = opts[key];
      if (Array.isArray(value) ? value.length > 0 : value)
        throw new UsageError(`${flag} does not apply to a warehouse table: ingest --flat recorded its columns`);
    }
    return trainFlat(cfg, {
      data: { db, table: flat.table },
      // ingest --flat wrote the label as `target` (1/0) beside the original column, which must not be a feature
      target: 'target',
      positive: '1',
      id: flat.id_column,
      exclude: [
        ...new Set([...(opts.exclude ?? []), ...(flat.target_column === 'target' ? [] : [flat.target_column])]),
      ],
      now: opts.now,
      onStage: opts.onStage,
      onNotice: opts.onNotice,
    });
  }
  if (!opts.target)
    throw new UsageError(
      '--data needs --target: the column that says whether the lead converted',
      'e.g. --target Converted',
    );
  return trainFlat(cfg, {
    data: opts.data!,
    target: opts.target,
    id: opts.id,
    positive: opts.positive,
    exclude: opts.exclude ?? [],
    exportSplit: opts.exportSplit,
    now: opts.now,
    onStage: opts.onStage,
    onNotice: opts.onNotice,
  });
}

/** A flat table `leadscore ingest --flat` loaded: its name and the columns it recorded. */
export interface FlatTableEntry {
  table: string;
  id_column: string;
  target_column: string;
}

/**
 * The flat table to train on: the one named by `table`, or, in a warehouse with no leads, its only flat
 * table; undefined for CRM training.
 */
export async function flatTableOf(db: string, opts: { table?: string }): Promise<FlatTableEntry | undefined> {
  if (!opts.table && (db === ':memory:' || !requireQuiet(db))) return undefined;
  requireWarehouse(db);
  return withWarehouse(
    db,
    async (w) => {
      const entries = (await w.tableExists('flat_tables'))
        ? await w.all<FlatTableEntry>('SELECT name AS table, id_column, target_column FROM flat_tables ORDER BY name')
        : [];
      if (opts.table) {
        const hit = entries.find((e) => e.table.toLowerCase() === opts.table!.toLowerCase());
        if (!hit)
          throw new DataError(
            `${db} has no flat table "${opts.table}"`,
            entries.length
              ? `flat tables here: ${entries.map((e) => e.table).join(', ')}`
              : 'load one with `leadscore ingest --flat FILE --id COL --target COL`',
          );
        return hit;
      }
      const hasLeads = (await w.tableExists('leads')) && (await w.count('leads')) > 0;
      if (hasLeads || entries.length === 0) return undefined;
      if (entries.length > 1)
        throw new UsageError(
          `${db} has no CRM leads but ${entries.length} flat tables: ${entries.map((e) => e.table).join(', ')}`,
          'pick one with --table NAME',
        );
      return entries[0];
    },
    { readOnly: true },
  );
}

function requireQuiet(db: string): boolean {
  try {
    requireWarehouse(db);
    return true;
  } catch {
    return false;
  }
}
