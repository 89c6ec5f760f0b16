import { UsageError } from '../errors.ts';
import { loadPipelineConfig, TrainPipelineConfig } from './config.ts';
import { trainFlat } from './train-flat.ts';
import { trainCrm, type StageReporter, type TrainReport } from './train.ts';

/** What a training run takes: a pipeline file and overrides of its keys, plus a flat file and its columns. */
export interface TrainRunOptions {
  /** pipeline YAML with the defaults; omitted: pipelines/train.yaml when it exists, else the built-in defaults */
  pipeline?: string;
  /** warehouse with leads, activities and outcomes (overrides the pipeline file) */
  db?: string;
  seed?: number;
  /** model name under the models folder (flat files: `flat` unless the pipeline file names one) */
  name?: string;
  modelsDir?: string;
  /** stop if the leakage audit suspects a column, instead of excluding it */
  failOnLeakage?: boolean;
  /** train on this flat file (CSV, Parquet or JSON lines; one row per lead) instead of the warehouse */
  data?: string;
  /** with `data`: the outcome column */
  target?: string;
  /** with `data`: the lead id column (never a feature) */
  id?: string;
  /** with `data`: the target value that means converted */
  positive?: string;
  /** with `data`: columns to leave out */
  exclude?: string[];
  /** with `data`: write the input rows plus a `split` column here */
  exportSplit?: string;
  /** stamped on the artifact as its creation time */
  now: Date;
  onStage?: StageReporter;
}

/** Flat-file options and the flag that sets each, for the "only applies with --data" check. */
const FLAT_ONLY = [
  ['target', '--target'],
  ['id', '--id'],
  ['exportSplit', '--export-split'],
  ['exclude', '--exclude'],
] as const;

/**
 * Train and save a versioned model: on the warehouse's CRM tables (trainCrm) or, given `data`, on a
 * flat file (trainFlat). The pipeline file's keys are the defaults; the options override them.
 */
export async function runTraining(opts: TrainRunOptions): Promise<TrainReport> {
  const base = loadPipelineConfig(
    TrainPipelineConfig,
    opts.pipeline ?? 'pipelines/train.yaml',
    opts.pipeline === undefined,
  );
  const cfg = TrainPipelineConfig.parse({
    ...base,
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.name ? { name: opts.name } : opts.data ? { name: base.name === 'leadscore' ? 'flat' : base.name } : {}),
    ...(opts.modelsDir ? { models_dir: opts.modelsDir } : {}),
    ...(opts.failOnLeakage ? { fail_on_leakage: true } : {}),
    // no rule set applies to a flat table
    ...(opts.data ? { rules: null } : {}),
  });
  if (!opts.data) {
    for (const [key, flag] of FLAT_ONLY) {
      const value = opts[key];
      if (Array.isArray(value) ? value.length > 0 : value)
        throw new UsageError(`${flag} only applies with --data (flat files)`);
    }
    return trainCrm(cfg, { now: opts.now, onStage: opts.onStage });
  }
  if (!opts.target)
    throw new UsageError(
      '--data needs --target: the column that says whether the lead converted',
      'e.g. --target Converted',
    );
  return trainFlat(cfg, {
    data: opts.data,
    target: opts.target,
    id: opts.id,
    positive: opts.positive,
    exclude: opts.exclude ?? [],
    exportSplit: opts.exportSplit,
    now: opts.now,
    onStage: opts.onStage,
  });
}
