import { UsageError } from '../errors.ts';
import { loadPipelineConfig, ScorePipelineConfig } from './config.ts';
import {
  publishShards,
  scoreLeads,
  type PublishShardsOptions,
  type PublishSummary,
  type ScoreOptions,
  type ScoreSummary,
} from './score/index.ts';

/** A scoring run: a pipeline file (pipelines/score.yaml keys) and overrides of its keys. */
export interface ScoreRunOptions extends Omit<ScoreOptions, 'db' | 'model' | 'modelsDir' | 'leads' | 'reasons'> {
  /** pipeline YAML with the defaults; omitted: pipelines/score.yaml when it exists, else the built-in defaults */
  pipeline?: string;
  db?: string;
  /** NAME (its promoted champion) or NAME@VERSION */
  model?: string;
  modelsDir?: string;
  /** open (not yet won) or all leads created before as_of */
  leads?: string;
  /** reasons per direction per lead */
  reasons?: number;
}

/** Score leads as of a date with the settings of a pipeline file, overridden by the options, and publish them. */
export async function runScoring(opts: ScoreRunOptions): Promise<ScoreSummary> {
  const { pipeline, db, model, modelsDir, leads, reasons, ...rest } = opts;
  const overridden = [...(db ? ['db'] : []), ...(modelsDir ? ['models_dir'] : [])];
  const base = loadPipelineConfig(ScorePipelineConfig, pipeline ?? 'pipelines/score.yaml', pipeline === undefined, {
    overridden,
  });
  const which = leads ?? base.leads;
  if (which !== 'open' && which !== 'all') throw new UsageError(`--leads must be open or all, got "${which}"`);
  return scoreLeads({
    ...rest,
    db: db ?? base.db,
    model: model ?? base.model,
    modelsDir: modelsDir ?? base.models_dir,
    leads: which,
    reasons: reasons ?? base.reasons,
  });
}

/** Options of `score publish`: a pipeline file for the warehouse (its db key), or the warehouse itself. */
export interface PublishRunOptions extends Omit<PublishShardsOptions, 'db'> {
  pipeline?: string;
  db?: string;
}

/** Publish the Parquet shards of one run into the warehouse of a pipeline file (or `db`), in one transaction. */
export async function runPublish(opts: PublishRunOptions): Promise<PublishSummary> {
  const { pipeline, db, ...rest } = opts;
  const base = loadPipelineConfig(ScorePipelineConfig, pipeline ?? 'pipelines/score.yaml', pipeline === undefined, {
    overridden: db ? ['db'] : [],
  });
  if (rest.from.length === 0)
    throw new UsageError('score publish needs --from DIR', 'the folder `score --shard k/n --out DIR` wrote to');
  return publishShards({ ...rest, db: db ?? base.db });
}
