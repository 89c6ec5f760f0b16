/**
 * `leadscore score`: score leads as of a date with a trained model and write the results atomically
 * (the warehouse in one transaction, or a Parquet shard). The steps live beside this file: the run's
 * record (run-record.ts), what is computed before writing (prepare.ts), the staged rows (staging.ts)
 * and where they go (publish.ts).
 */
import { DataError, UsageError } from '../../errors.ts';
import type { FlatScoringSpec } from '../../features/index.ts';
import { DATA_END_SQL } from '../../schema/index.ts';
import { Warehouse, quoteIdent, requireWarehouse } from '../../store/index.ts';
import { openModel, type TrainedModel } from '../trained-model.ts';
import { prepareScoring } from './prepare.ts';
import { prepareFlatScoring, type FlatRows } from './prepare-flat.ts';
import { publishToFile, publishToParquet, publishToWarehouse, type PublishContext } from './publish.ts';
import { recordRunFailed, recordRunStart } from './run-record.ts';
import { runMetadata } from './shards.ts';
import { scoredChunks, TextCodes, type RunConstants } from './staging.ts';
import type { ScoreOptions, ScoreSummary, ScoreTables, Shard } from './types.ts';

export { shardSql } from './prepare.ts';
export type { FaultPoint, ScoreOptions, ScoreSummary, Shard } from './types.ts';
export { publishShards, type PublishShardsOptions, type PublishSummary } from './publish-shards.ts';

/** Score leads as of a date with a trained model and write the results atomically. */
export async function scoreLeads(opts: ScoreOptions): Promise<ScoreSummary> {
  const started = opts.now();
  const toFiles = opts.outDir !== undefined || opts.outFile !== undefined;
  const runId = opts.runId ?? defaultRunId(started, opts, toFiles);
  if (!/^[A-Za-z0-9_.:-]+$/.test(runId)) {
    throw new DataError(
      `run id "${runId}" has characters other than letters, digits, _ . : -`,
      'pass a simpler --run-id',
    );
  }
  const trained = await openModel(opts.model, opts.modelsDir);
  const flat = flatRowsOf(trained, opts);
  // a flat file scored to a file needs no warehouse at all: DuckDB in memory stages the rows
  const scratch = flat !== undefined && 'file' in flat.rows && toFiles;
  if (!scratch) requireWarehouse(opts.db);
  const w = scratch
    ? await Warehouse.open(':memory:')
    : await Warehouse.open(opts.db, toFiles ? { overlay: true } : {});
  const tables = scratchTables(runId);
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    opts.onNotice?.(`warning: ${line}`);
  };
  try {
    const markedFailed = toFiles
      ? []
      : await recordRunStart(
          w,
          {
            runId,
            startedAt: started,
            model: trained.name,
            modelVersion: trained.version,
            asOf: opts.asOf,
            shard: opts.shard ? `${opts.shard.k}/${opts.shard.n}` : null,
          },
          opts.now(),
        );
    try {
      const timings: Record<string, number> = {};
      if (!flat) {
        const late = await asOfPastDataEnd(w, opts.asOf, trained.horizonDays);
        if (late) warn(late);
      }
      const prepared = flat
        ? await prepareFlatScoring(w, trained, flat.spec, flat.rows, opts, tables, timings)
        : await prepareScoring(w, trained, opts, tables, timings);
      const constants: RunConstants = {
        asOf: opts.asOf,
        scoredAt: started,
        model: trained.name,
        modelVersion: trained.version,
        runId,
        dictionaries: { band: new TextCodes(), grade: new TextCodes(), rule_band: new TextCodes() },
        reasons: 2 * opts.reasons, // slots: k up and k down
      };
      const chunks = scoredChunks(trained, prepared, constants.dictionaries);
      const rows = prepared.frame.ids.length;
      const ctx: PublishContext = {
        w,
        tables,
        constants,
        chunks,
        reasons: prepared.reasons,
        partRows: opts.partRows,
        timings,
        progress: (done, stage = 'scoring') => opts.onProgress?.(done, rows, stage),
        now: opts.now,
        atFaultPoint: opts.atFaultPoint ?? (() => undefined),
        metadata: runMetadata(
          {
            run_id: runId,
            model: trained.name,
            model_version: trained.version,
            as_of: opts.asOf.toISOString(),
            leads: opts.leads,
            reasons: String(constants.reasons),
          },
          started,
          opts.shard,
        ),
      };
      const output = opts.outFile
        ? await publishToFile(ctx, opts.outFile)
        : opts.outDir !== undefined
          ? await publishToParquet(ctx, opts.outDir, opts.shard)
          : await publishToWarehouse(ctx);
      const bands = Object.fromEntries(Object.entries(chunks.bands).sort(([a], [b]) => (a < b ? -1 : 1)));
      const duration = (opts.now().getTime() - started.getTime()) / 1000;
      return {
        run_id: runId,
        rows,
        duration_s: duration,
        rows_per_second: duration > 0 ? rows / duration : rows,
        as_of: opts.asOf.toISOString(),
        model: trained.name,
        model_version: trained.version,
        bands,
        output,
        marked_failed: markedFailed,
        warnings,
        notes: 'notes' in prepared ? (prepared.notes as string[]) : [],
        timings,
      };
    } catch (err) {
      if (!toFiles) await recordRunFailed(w, runId, opts.now(), (err as Error).message);
      throw err;
    } finally {
      for (const t of Object.values(tables))
        await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`).catch(() => undefined);
    }
  } finally {
    await w.close();
  }
}

function scratchTables(runId: string): ScoreTables {
  const tag = runId.replace(/[^A-Za-z0-9_]/g, '_');
  return {
    pairs: `_ls_score_pairs_${tag}`,
    features: `_ls_score_features_${tag}`,
    ids: `_ls_score_ids_${tag}`,
    staging: `_ls_score_staging_${tag}`,
    reasons: `_ls_score_reasons_${tag}`,
    phrases: `_ls_score_phrases_${tag}`,
    phraseJoin: `_ls_score_phrase_join_${tag}`,
    trend: `_ls_score_trend_${tag}`,
  };
}

/**
 * A run's default id: score-<start time>; a shard written to files is named after its as-of instead
 * (score-asof-<as of>-of<n>), so shards scored apart (an indexed batch job) agree on it and publish as one run;
 * a shard written into the warehouse is a run of its own (-shard<k>of<n>).
 */
function defaultRunId(started: Date, opts: { asOf: Date; shard?: Shard }, toFiles: boolean): string {
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  const { shard } = opts;
  if (shard && toFiles) return `score-asof-${stamp(opts.asOf)}-of${shard.n}`;
  return `score-${stamp(started)}${shard ? `-shard${shard.k}of${shard.n}` : ''}`;
}

/**
 * Where a flat model's rows come from (a file, or a flat table of the warehouse: --table, else the one it
 * was trained on); undefined for a CRM model. Options that only fit the other kind are usage errors.
 */
function flatRowsOf(trained: TrainedModel, opts: ScoreOptions): { spec: FlatScoringSpec; rows: FlatRows } | undefined {
  const spec = trained.spec;
  const isFlat = 'kind' in spec && spec.kind === 'flat';
  const model = `${trained.name}@${trained.version}`;
  if (!isFlat) {
    if (opts.data || opts.table)
      throw new UsageError(
        `model ${model} was trained on CRM data (leads, activities, outcomes), not on a flat table`,
        '--data / --table need a model trained with `leadscore train --data FILE` (or --table)',
      );
    return undefined;
  }
  if (opts.data && opts.table) throw new UsageError('--data and --table exclude each other');
  if (opts.shard) throw new UsageError('--shard applies to CRM scoring, not to a flat table');
  if (opts.data) return { spec, rows: { file: opts.data } };
  const table = opts.table ?? spec.table;
  if (!table)
    throw new UsageError(
      `model ${model} was trained on the flat file ${spec.source}: say which rows to score`,
      `pass --data FILE with the columns of ${spec.source} (or --table NAME for a table loaded by ingest --flat)`,
    );
  return { spec, rows: { table } };
}

/** A warning when as_of lies more than one horizon after the data's last event: every lead then looks inactive. */
async function asOfPastDataEnd(w: Warehouse, asOf: Date, horizonDays: number): Promise<string | undefined> {
  for (const t of ['leads', 'activities', 'outcomes']) if (!(await w.tableExists(t))) return undefined;
  const row = await w.one<{ last: Date | null }>(`SELECT ${DATA_END_SQL} AS last`);
  if (!row?.last) return undefined;
  const days = (asOf.getTime() - row.last.getTime()) / 86_400_000;
  if (days <= horizonDays) return undefined;
  const end = row.last.toISOString().slice(0, 10);
  return (
    `as of ${asOf.toISOString().slice(0, 10)} is ${Math.floor(days)} days after the data's last event (${end}), ` +
    `more than the model's ${horizonDays}-day horizon: every lead looks long inactive and scores accordingly; ` +
    `load fresh data, or pass --as-of ${end} to score as of the data's end`
  );
}
