/**
 * Where a scoring run's staged rows go: the warehouse (lead_scores, lead_score_history and the run's
 * record, in one transaction) or a Parquet file (a shard, written whole or not at all).
 */
import fs from 'node:fs';
import path from 'node:path';
import { publishPath, tempPathFor } from '../../atomic-file.ts';
import type { ReasonPhrases } from '../../models/reasons.ts';
import { formatOf, quoteIdent, quoteLiteral, type Warehouse } from '../../store/index.ts';
import { HISTORY_COLUMNS, SCORE_COLUMNS } from '../tables.ts';
import { RUN_SUCCEEDED_SQL } from './run-record.ts';
import {
  createReasonTables,
  scoredRowsSql,
  scoreSelectList,
  stageReasonRange,
  stageScores,
  type ChunkSource,
  type RunConstants,
} from './staging.ts';
import type { FaultPoint, Progress, ScoreTables, Shard } from './types.ts';

/** Everything a publish step works with. */
export interface PublishContext {
  w: Warehouse;
  tables: ScoreTables;
  constants: RunConstants;
  chunks: ChunkSource;
  /** the reasons of rows [from, to), ranked and worded when called, range after range (the prepared run's) */
  reasons: (from: number, to: number) => ReasonPhrases;
  /** rows per part of the lead_scores insert (default PART_ROWS; tests force several parts on few rows) */
  partRows?: number;
  timings: Record<string, number>;
  progress: Progress;
  now: () => Date;
  atFaultPoint: (point: FaultPoint) => void;
  /** Parquet key-value metadata naming the run and shard (so `score publish` can check a set of files) */
  metadata?: Record<string, string>;
  /** seconds the reasons took so far */
  reasonsSeconds?: number;
}

/** A range of the run's rows: rn in [from, to). */
interface RowRange {
  from: number;
  to: number;
}

/**
 * Rows per part of lead_scores' insert: JavaScript ranks and words the next part's reasons while DuckDB inserts this
 * part's rows. Two of DuckDB's row groups (122,880 rows each): the inserts of a transaction share row groups, and
 * parts that end mid-group left the commit to finish them (4 parts of 237,514 rows: commit 1.8-2.2 s against
 * 0.5 s for one insert of all 950k; parts of 245,760: 0.8-0.9 s). Parts of 50k cost several times more.
 */
const PART_ROWS = 2 * 122_880;

/**
 * Publish a run in one transaction: this run's history replaced, latest scores replaced, run marked done. The
 * history needs no reasons, so DuckDB inserts it while JavaScript ranks and words the first part's reasons; then
 * each part's lead_scores rows are inserted while JavaScript works on the next part's. Nothing is visible to anyone
 * until the commit, and a run killed before it leaves every table as it was.
 */
export async function publishToWarehouse(ctx: PublishContext): Promise<string> {
  const { w, tables, constants, chunks } = ctx;
  const t0 = performance.now();
  await stageScores(w, tables, constants, chunks, ctx.progress);
  ctx.progress(chunks.rows, 'writing lead_score_history and lead_scores (one transaction)');
  // (after staging: every text code is in the dictionaries now)
  const rows: RunRows = {
    ids: tables.ids,
    scores: `SELECT ${scoreSelectList(constants)} FROM ${scoredRowsSql(tables, constants.reasons, true)}`,
    // history has no reasons: no phrase joins
    history: `SELECT ${scoreSelectList(constants, HISTORY_COLUMNS)} FROM ${scoredRowsSql(tables, 0, false)}`,
  };
  const run = { runId: constants.runId, rows: chunks.rows, now: ctx.now, atFaultPoint: ctx.atFaultPoint };
  const parts = rowRanges(chunks.rows, ctx.partRows ?? PART_ROWS);
  await w.transaction(async (tx) => {
    let phrases = await besideJavaScript(writeHistory(tx, rows, run), () => timedReasons(ctx, parts[0]));
    await createReasonTables(tx, tables, constants.reasons);
    const upsert = await flagScoredLeads(tx, rows);
    let staged = 0;
    for (const [p, part] of parts.entries()) {
      staged = await stageReasonRange(tx, tables, phrases, part, staged);
      const insert = insertLatest(tx, rows, upsert, part);
      const next = parts[p + 1];
      if (next) phrases = await besideJavaScript(insert, () => timedReasons(ctx, next));
      else await insert;
      if (p === 0) run.atFaultPoint('part-written');
    }
    await markSucceeded(tx, run);
  });
  addTimings(ctx, (performance.now() - t0) / 1000);
  return 'warehouse';
}

/**
 * Run synchronous JavaScript while a DuckDB call already made runs on DuckDB's threads: one turn of the event loop
 * first, so the call reaches them before the loop is held; the call is awaited whatever the JavaScript does.
 */
async function besideJavaScript<T>(call: Promise<void>, work: () => T): Promise<T> {
  call.catch(() => undefined); // awaited below, on every path
  await new Promise<void>((resolve) => setImmediate(resolve));
  try {
    return work();
  } finally {
    await call;
  }
}

/** [0, rows) cut into ranges of at most `size` rows (one empty range for no rows). */
function rowRanges(rows: number, size: number): RowRange[] {
  const out: RowRange[] = [];
  for (let from = 0; from < rows; from += size) out.push({ from, to: Math.min(rows, from + size) });
  return out.length ? out : [{ from: 0, to: 0 }];
}

/**
 * A run's rows as two SELECTs over the staged rows aliased `s` (with rn) and the ids table aliased `i` (rn, lead_id):
 * lead_scores' columns in order, and lead_score_history's.
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
 * replaced, its leads' latest scores upserted, the run marked succeeded. `score publish` writes this way; scoring
 * takes the same steps with its reasons ranked between them, part by part.
 */
export async function writeRun(tx: Warehouse, rows: RunRows, run: RunWrite): Promise<void> {
  await writeHistory(tx, rows, run);
  await insertLatest(tx, rows, await flagScoredLeads(tx, rows));
  run.atFaultPoint('part-written');
  await markSucceeded(tx, run);
}

/**
 * This run's rows of lead_score_history, replacing any it had (a re-run of the same run id). One call for both
 * statements: scoring ranks reasons in JavaScript meanwhile, and a second call would wait for the event loop.
 */
function writeHistory(tx: Warehouse, rows: RunRows, run: RunWrite): Promise<void> {
  const historyCols = HISTORY_COLUMNS.map(quoteIdent).join(', ');
  return tx.run(
    `DELETE FROM lead_score_history WHERE run_id = ${quoteLiteral(run.runId)};
     INSERT INTO lead_score_history (${historyCols}) ${rows.history}`,
  );
}

/**
 * Flag the run's leads lead_scores already has (a column `scored` on the ids table), to be upserted while the others
 * are inserted; false, and no flags, when lead_scores is empty. An upsert of a lead lead_scores does not have yet
 * costs DuckDB about twice a plain insert (an empty table: 5.2 s against 2.7 s per million rows), while one it has is
 * updated in place (where DELETE + INSERT would remove index entries one by one).
 */
async function flagScoredLeads(tx: Warehouse, rows: RunRows): Promise<boolean> {
  if ((await tx.count('lead_scores')) === 0) return false;
  const ids = quoteIdent(rows.ids);
  await tx.run(`ALTER TABLE ${ids} ADD COLUMN scored BOOLEAN DEFAULT false`);
  await tx.run(`UPDATE ${ids} SET scored = true FROM lead_scores ls WHERE ls.lead_id = ${ids}.lead_id`);
  return true;
}

/**
 * The latest scores of the run's rows, or of those with rn in `part`, into lead_scores: upserted where flagged,
 * inserted elsewhere. One call (see writeHistory).
 */
function insertLatest(tx: Warehouse, rows: RunRows, upsert: boolean, part?: RowRange): Promise<void> {
  const cols = SCORE_COLUMNS.map(quoteIdent).join(', ');
  const inPart = part ? [`s.rn >= ${part.from}`, `s.rn < ${part.to}`] : [];
  const insert = (verb: string, flag?: string) => {
    const where = [...(flag ? [flag] : []), ...inPart];
    return `${verb} INTO lead_scores (${cols}) ${rows.scores}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  };
  return tx.run(
    upsert ? `${insert('INSERT OR REPLACE', 'i.scored')};\n${insert('INSERT', 'NOT i.scored')}` : insert('INSERT'),
  );
}

/** The run's record marked succeeded, the last write before the commit. */
async function markSucceeded(tx: Warehouse, run: RunWrite): Promise<void> {
  run.atFaultPoint('in-transaction');
  await tx.run(RUN_SUCCEEDED_SQL, [run.runId, run.now().toISOString(), run.rows]);
}

/** The reasons of a range of rows ranked and worded, their seconds counted as the reasons step's (not the write's). */
function timedReasons(ctx: PublishContext, range: RowRange): ReasonPhrases {
  const t = performance.now();
  const phrases = ctx.reasons(range.from, range.to);
  ctx.reasonsSeconds = (ctx.reasonsSeconds ?? 0) + (performance.now() - t) / 1000;
  return phrases;
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
  await stageScores(w, tables, constants, chunks, ctx.progress);
  const all = { from: 0, to: chunks.rows };
  await createReasonTables(w, tables, constants.reasons);
  await stageReasonRange(w, tables, timedReasons(ctx, all), all, 0);
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

// The chunks' model time goes to predict, the reasons' to reasons; the rest of the step (staging appends, inserts,
// commit) to write. (The history's insert and the parts of lead_scores' run during the reasons, so part of their
// time shows as the reasons'.)
function addTimings(ctx: PublishContext, seconds: number): void {
  const reasons = ctx.reasonsSeconds ?? 0;
  ctx.timings.predict = (ctx.timings.predict ?? 0) + ctx.chunks.predictSeconds;
  ctx.timings.reasons = (ctx.timings.reasons ?? 0) + reasons;
  ctx.timings.write = (ctx.timings.write ?? 0) + seconds - ctx.chunks.predictSeconds - reasons;
}
