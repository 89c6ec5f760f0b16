/**
 * `leadscore score`: score leads as of a date with a trained model and write the results atomically
 * (the warehouse in one transaction, or a Parquet shard). The steps live beside this file: the run's
 * record (run-record.ts), what is computed before writing (prepare.ts), the staged rows (staging.ts)
 * and where they go (publish.ts).
 */
import { DataError } from '../../errors.ts';
import { Warehouse, quoteIdent, requireWarehouse } from '../../store/index.ts';
import { openModel } from '../trained-model.ts';
import { prepareScoring } from './prepare.ts';
import { publishToParquet, publishToWarehouse, type PublishContext } from './publish.ts';
import { recordRunFailed, recordRunStart } from './run-record.ts';
import { scoredChunks, stagePhrases, TextCodes, type RunConstants } from './staging.ts';
import type { ScoreOptions, ScoreSummary, ScoreTables, Shard } from './types.ts';

export { shardSql } from './prepare.ts';
export type { FaultPoint, ScoreOptions, ScoreSummary, Shard } from './types.ts';

/** Score leads as of a date with a trained model and write the results atomically. */
export async function scoreLeads(opts: ScoreOptions): Promise<ScoreSummary> {
  const started = opts.now();
  const runId = opts.runId ?? defaultRunId(started, opts.shard);
  if (!/^[A-Za-z0-9_.:-]+$/.test(runId)) {
    throw new DataError(
      `run id "${runId}" has characters other than letters, digits, _ . : -`,
      'pass a simpler --run-id',
    );
  }
  const trained = await openModel(opts.model, opts.modelsDir);
  requireWarehouse(opts.db);
  const toFiles = opts.outDir !== undefined;
  const w = await Warehouse.open(opts.db, toFiles ? { overlay: true } : {});
  const tables = scratchTables(runId);
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
      const prepared = await prepareScoring(w, trained, opts, tables, timings);
      const constants: RunConstants = {
        asOf: opts.asOf,
        scoredAt: started,
        model: trained.name,
        modelVersion: trained.version,
        runId,
        dictionaries: { band: new TextCodes(), grade: new TextCodes(), rule_band: new TextCodes() },
        reasons: prepared.phrases.k,
      };
      const phrasesStarted = performance.now();
      await stagePhrases(w, tables, prepared.phrases);
      timings.write = (performance.now() - phrasesStarted) / 1000; // publishing adds its own
      const chunks = scoredChunks(trained, prepared, constants.dictionaries);
      const rows = prepared.frame.ids.length;
      const ctx: PublishContext = {
        w,
        tables,
        constants,
        chunks,
        timings,
        progress: (done, stage = 'scoring') => opts.onProgress?.(done, rows, stage),
        now: opts.now,
        atFaultPoint: opts.atFaultPoint ?? (() => undefined),
      };
      const output = toFiles ? await publishToParquet(ctx, opts.outDir!, opts.shard) : await publishToWarehouse(ctx);
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
    phrases: `_ls_score_phrases_${tag}`,
    phraseJoin: `_ls_score_phrase_join_${tag}`,
  };
}

function defaultRunId(started: Date, shard?: Shard): string {
  const stamp = started
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `score-${stamp}${shard ? `-shard${shard.k}of${shard.n}` : ''}`;
}
