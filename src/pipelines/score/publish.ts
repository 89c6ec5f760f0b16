/**
 * Where a scoring run's staged rows go: the warehouse (lead_scores, lead_score_history and the run's
 * record, in one transaction) or a Parquet file (a shard, written whole or not at all).
 */
import fs from 'node:fs';
import path from 'node:path';
import { publishPath, tempPathFor } from '../../atomic-file.ts';
import { formatOf, quoteIdent, type Warehouse } from '../../store/index.ts';
import { HISTORY_COLUMNS, SCORE_COLUMNS } from '../tables.ts';
import { RUN_SUCCEEDED_SQL } from './run-record.ts';
import { scoredRowsSql, scoreSelectList, stageAll, type ChunkSource, type RunConstants } from './staging.ts';
import type { FaultPoint, Progress, ScoreTables, Shard } from './types.ts';

/** Everything a publish step works with. */
export interface PublishContext {
  w: Warehouse;
  tables: ScoreTables;
  constants: RunConstants;
  chunks: ChunkSource;
  timings: Record<string, number>;
  progress: Progress;
  now: () => Date;
  atFaultPoint: (point: FaultPoint) => void;
  /** Parquet key-value metadata naming the run and shard (so `score publish` can check a set of files) */
  metadata?: Record<string, string>;
}

/**
 * Publish a run in one transaction: latest scores replaced, this run's history replaced, run marked
 * done. All rows are staged first, then written by one INSERT per table: DuckDB builds the reasons'
 * phrase joins once and writes whole row groups (per 50k-row chunk, the joins and the index work cost
 * several times more). Nothing is visible to anyone until the commit, and a run killed before it
 * leaves every table as it was.
 */
export async function publishToWarehouse(ctx: PublishContext): Promise<string> {
  const { w, tables, constants, chunks } = ctx;
  const t0 = performance.now();
  await stageAll(w, tables, constants, chunks, ctx.progress);
  ctx.progress(chunks.rows, 'writing lead_scores and lead_score_history (one transaction)');
  // (after staging: every text code is in the dictionaries now)
  const rows: RunRows = {
    ids: tables.ids,
    scores: `SELECT ${scoreSelectList(constants)} FROM ${scoredRowsSql(tables, constants.reasons, true)}`,
    // history has no reasons: no phrase joins
    history: `SELECT ${scoreSelectList(constants, HISTORY_COLUMNS)} FROM ${scoredRowsSql(tables, 0, false)}`,
  };
  await w.transaction((tx) =>
    writeRun(tx, rows, { runId: constants.runId, rows: chunks.rows, now: ctx.now, atFaultPoint: ctx.atFaultPoint }),
  );
  addTimings(ctx, (performance.now() - t0) / 1000);
  return 'warehouse';
}

/**
 * A run's rows as two SELECTs over the ids table aliased `i` (rn, lead_id): lead_scores' columns in order, and
 * lead_score_history's.
 */
export interface RunRows {
  ids: string;
  scores: string;
  history: string;
}

/** The run a writeRun call marks succeeded, and the hooks it calls. */
export interface RunWrite {
  runId: string;
  rows: number;
  now: () => Date;
  atFaultPoint: (point: FaultPoint) => void;
}

/**
 * Write a run inside the caller's transaction (its record must exist, as running): this run's history
 * replaced, its leads' latest scores upserted, the run marked succeeded. Scoring and `score publish` both
 * write this way.
 */
export async function writeRun(tx: Warehouse, rows: RunRows, run: RunWrite): Promise<void> {
  const cols = SCORE_COLUMNS.map(quoteIdent).join(', ');
  const historyCols = HISTORY_COLUMNS.map(quoteIdent).join(', ');
  await tx.run(`DELETE FROM lead_score_history WHERE run_id = $1`, [run.runId]);
  // An upsert of a lead lead_scores does not have yet costs DuckDB about twice a plain insert (an
  // empty table: 5.2 s against 2.7 s per million rows), while one it has is updated in place (where
  // DELETE + INSERT would remove index entries one by one). So leads already scored are flagged,
  // and upserted; the others inserted.
  const ids = quoteIdent(rows.ids);
  if ((await tx.count('lead_scores')) > 0) {
    await tx.run(`ALTER TABLE ${ids} ADD COLUMN scored BOOLEAN DEFAULT false`);
    await tx.run(`UPDATE ${ids} SET scored = true FROM lead_scores ls WHERE ls.lead_id = ${ids}.lead_id`);
    await tx.run(`INSERT OR REPLACE INTO lead_scores (${cols}) ${rows.scores} WHERE i.scored`);
    run.atFaultPoint('part-written');
    await tx.run(`INSERT INTO lead_scores (${cols}) ${rows.scores} WHERE NOT i.scored`);
  } else {
    await tx.run(`INSERT INTO lead_scores (${cols}) ${rows.scores}`);
    run.atFaultPoint('part-written');
  }
  await tx.run(`INSERT INTO lead_score_history (${historyCols}) ${rows.history}`);
  run.atFaultPoint('in-transaction');
  await tx.run(RUN_SUCCEEDED_SQL, [run.runId, run.now().toISOString(), run.rows]);
}

/** Stage every chunk, then write DIR as Parquet: to a temp file, then renamed, so readers never see half a file. */
export async function publishToParquet(ctx: PublishContext, dir: string, shard: Shard | undefined): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const name = shard ? `lead_scores-shard-${shard.k}-of-${shard.n}.parquet` : 'lead_scores.parquet';
  return publishToFile(ctx, path.join(dir, name));
}

/**
 * Stage every chunk, then write one file with lead_scores' columns, as its extension says (.parquet, .csv,
 * .json): to a temp file beside it first, then renamed, so readers never see half a file.
 */
export async function publishToFile(ctx: PublishContext, target: string): Promise<string> {
  const { w, tables, constants, chunks } = ctx;
  const t0 = performance.now();
  const format = formatOf(target);
  await stageAll(w, tables, constants, chunks, ctx.progress);
  ctx.progress(chunks.rows, `writing ${target}`);
  ctx.atFaultPoint('staged');
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const temp = tempPathFor(target);
  try {
    await w.exportQuery(
      `SELECT ${scoreSelectList(constants)} FROM ${scoredRowsSql(tables, constants.reasons, true)} ORDER BY i.lead_id`,
      temp,
      format,
      ctx.metadata,
    );
    publishPath(temp, target);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  addTimings(ctx, (performance.now() - t0) / 1000);
  return target;
}

// The chunks' model time goes to predict; the rest of the step (staging appends, inserts, commit) to write.
function addTimings(ctx: PublishContext, seconds: number): void {
  ctx.timings.predict = (ctx.timings.predict ?? 0) + ctx.chunks.predictSeconds;
  ctx.timings.write = (ctx.timings.write ?? 0) + seconds - ctx.chunks.predictSeconds;
}
