/**
 * leadscore as a library: `import { ingest, train, score, compare, monitor, generate } from 'leadscore'`,
 * and for analysts `demo`, `openWarehouse` (SQL on the warehouse) and the comparison report's pieces.
 *
 * Each function runs the pipeline the `leadscore` command of the same name runs, with the same defaults,
 * and returns what that command prints with --json. Where the command reads the wall clock (a model's
 * creation time, a run's timestamps) these take `now`, defaulting to the current time; `score` still
 * needs an explicit `asOf`. Pipelines load on the first call, so importing this module is cheap. Errors
 * are the classes exported below; `exitCodeFor(err)` gives the CLI's exit code for one.
 */
import type { CompareOptions, CompareOutput } from './pipelines/compare.ts';
import type { GenerateDataOptions, GenerateDataResult } from './pipelines/generate-run.ts';
import type { FlatIngestReport, FlatIngestRunOptions, IngestReport, IngestRunOptions } from './pipelines/ingest-run.ts';
import type { MonitorOptions, MonitorReport } from './pipelines/monitor.ts';
import type { PublishRunOptions, ScoreRunOptions } from './pipelines/score-run.ts';
import type { PublishSummary, ScoreSummary } from './pipelines/score/index.ts';
import type { TrainRunOptions } from './pipelines/train-run.ts';
import type { TrainReport } from './pipelines/train.ts';
import type { DemoOptions, DemoResult } from './pipelines/demo.ts';
import type { OpenOptions, Warehouse } from './store/index.ts';
import type { ComparisonResult } from './evaluate/report/types.ts';
import type { SummarySentence } from './evaluate/report/summary.ts';

export {
  ConfigError,
  DataError,
  LeadscoreError,
  NotFoundError,
  RuntimeError,
  UsageError,
  exitCodeFor,
} from './errors.ts';
export type { ErrorCode } from './errors.ts';
export type { CompareOutput, ComparedLead } from './pipelines/compare.ts';
export type { GenerateDataOptions, GenerateDataResult, GenerateReport } from './pipelines/generate-run.ts';
export type { FlatIngestReport, FlatIngestRunOptions, IngestReport, IngestRunOptions } from './pipelines/ingest-run.ts';
export type { MonitorReport, FeatureDrift } from './pipelines/monitor.ts';
export type { PublishSummary, ScoreSummary, Shard } from './pipelines/score/index.ts';
export type { TrainReport } from './pipelines/train.ts';
export type { ComparisonResult } from './evaluate/report/types.ts';
export type { SummarySentence } from './evaluate/report/summary.ts';
export type { DemoOptions, DemoResult } from './pipelines/demo.ts';
export type { OpenOptions, Warehouse } from './store/index.ts';

/** Options of `train`: a pipeline file and overrides of its keys, or a flat file and its columns. */
export type TrainOptions = Omit<TrainRunOptions, 'now'> & { now?: Date };

/** Options of `score`; `asOf` is required (score as of when), the rest default as in pipelines/score.yaml. */
export type ScoreOptions = Omit<ScoreRunOptions, 'now'> & { now?: () => Date };

/** Options of `publishScores`: the shards' folders (`from`), the warehouse (`db`, or a pipeline file's db). */
export type PublishScoresOptions = Omit<PublishRunOptions, 'now'> & { now?: () => Date };

/** Options of `compare`; models directory, seed and clock default as in `leadscore compare`. */
export type CompareRunOptions = Omit<CompareOptions, 'modelsDir' | 'seed' | 'now'> &
  Partial<Pick<CompareOptions, 'modelsDir' | 'seed' | 'now'>>;

/** Options of `monitor`; models directory, PSI threshold and clock default as in `leadscore monitor`. */
export type MonitorRunOptions = Omit<MonitorOptions, 'modelsDir' | 'threshold' | 'now'> &
  Partial<Pick<MonitorOptions, 'modelsDir' | 'threshold' | 'now'>>;

/** Load leads, activities and/or outcomes files into a warehouse, validating every row (bad rows: rejected_rows). */
export async function ingest(options: IngestRunOptions): Promise<IngestReport> {
  const { ingestFiles } = await import('./pipelines/ingest-run.ts');
  return ingestFiles(options);
}

/** Load one flat table (one row per lead, an id and a target column) into a warehouse. */
export async function ingestFlat(options: FlatIngestRunOptions): Promise<FlatIngestReport> {
  const { ingestFlatFile } = await import('./pipelines/ingest-run.ts');
  return ingestFlatFile(options);
}

/** Train and save a versioned model, on the warehouse's CRM tables or (given `data`) on a flat file. */
export async function train(options: TrainOptions = {}): Promise<TrainReport> {
  const { runTraining } = await import('./pipelines/train-run.ts');
  return runTraining({ ...options, now: options.now ?? new Date() });
}

/** Score leads as of `asOf` with a trained model and write lead_scores, history and score_runs atomically. */
export async function score(options: ScoreOptions): Promise<ScoreSummary> {
  const { runScoring } = await import('./pipelines/score-run.ts');
  return runScoring({ ...options, now: options.now ?? (() => new Date()) });
}

/** Publish the Parquet shards of one scoring run (score with shard, outDir) into the warehouse in one transaction. */
export async function publishScores(options: PublishScoresOptions): Promise<PublishSummary> {
  const { runPublish } = await import('./pipelines/score-run.ts');
  return runPublish({ ...options, now: options.now ?? (() => new Date()) });
}

/** Compare the rule score with the predictive score on leads whose outcome window has closed. */
export async function compare(options: CompareRunOptions): Promise<CompareOutput> {
  const { compareScores } = await import('./pipelines/compare.ts');
  const { modelsDir = 'models', seed = 42, now = new Date() } = options;
  return compareScores({ ...options, modelsDir, seed, now });
}

/** Drift of features and score since training, and calibration of scores whose outcome is known. */
export async function monitor(options: MonitorRunOptions): Promise<MonitorReport> {
  const { monitorModel } = await import('./pipelines/monitor.ts');
  const { modelsDir = 'models', threshold = 0.2, now = new Date() } = options;
  return monitorModel({ ...options, modelsDir, threshold, now });
}

/** Generate a synthetic CRM with known ground truth into a warehouse file and/or data files. */
export async function generate(options: GenerateDataOptions): Promise<GenerateDataResult> {
  const { generateData } = await import('./pipelines/generate-run.ts');
  return generateData(options);
}

/** The whole story on generated data (what `npm start` runs): generate, train, promote, score, compare, monitor. */
export async function demo(options: Omit<DemoOptions, 'now'> & { now?: Date }): Promise<DemoResult> {
  const { runDemo } = await import('./pipelines/demo.ts');
  return runDemo({ ...options, now: options.now ?? new Date() });
}

/** Open a warehouse file for SQL (read-only unless told otherwise); close it when done. */
export async function openWarehouse(file: string, options: OpenOptions = { readOnly: true }): Promise<Warehouse> {
  const { Warehouse } = await import('./store/index.ts');
  return Warehouse.open(file, options);
}

/** The sentences the comparison report opens with, for a `compare` result. */
export async function comparisonSummary(result: ComparisonResult): Promise<SummarySentence[]> {
  const { summarySentences } = await import('./evaluate/report/index.ts');
  return summarySentences(result);
}

/** One chart of the comparison report ('roc', 'gains', 'reliability', ...) as SVG, with its title and caption. */
export async function comparisonChart(
  result: ComparisonResult,
  id: string,
): Promise<{ id: string; title: string; caption: string; svg: string }> {
  const { chartSpecs, renderSvg } = await import('./evaluate/report/index.ts');
  const specs = chartSpecs(result);
  const chart = specs.find((c) => c.id === id);
  if (!chart) {
    const { UsageError } = await import('./errors.ts');
    throw new UsageError(`no chart '${id}' in the comparison report`, `charts: ${specs.map((c) => c.id).join(', ')}`);
  }
  return { id: chart.id, title: chart.title, caption: chart.caption, svg: await renderSvg(chart.spec) };
}
