import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataError } from '../errors.ts';
import { Warehouse, quoteIdent, quoteLiteral, type AppendColumn } from '../store/index.ts';
import { buildFeatureTable, describeFeature, readFrame, transform, type FeatureFrame } from '../features/index.ts';
import { bandFor, rankReasons, scoreFromProbability } from '../models/index.ts';
import { reasonsJson } from '../models/reasons.ts';
import { scoreRules } from '../rules/engine.ts';
import type { RuleSet } from '../rules/types.ts';
import { takeRows, type DenseMatrix } from '../schema/matrix.ts';
import { SCORE_COLUMNS, SCORE_DDL } from './tables.ts';
import { loadModel, referencePercentiles, type LoadedModel } from './loaded-model.ts';
import { ruleScoresAligned, type AlignedRuleScores } from './train.ts';

/** Which slice of the leads this run scores: shard k of n (1-based), by a stable hash of lead_id. */
export interface Shard {
  k: number;
  n: number;
}

/** Options for a scoring run. */
export interface ScoreOptions {
  db: string;
  model: string;
  modelsDir: string;
  asOf: Date;
  leads: 'open' | 'all';
  runId?: string;
  shard?: Shard;
  /** write Parquet here instead of the warehouse tables */
  outDir?: string;
  reasons: number;
  /** the clock, injected: only the CLI reads the wall clock */
  now: () => Date;
  onProgress?: (done: number, total: number, stage: string) => void;
}

/** What a run reports. */
export interface ScoreSummary {
  run_id: string;
  rows: number;
  duration_s: number;
  rows_per_second: number;
  as_of: string;
  model: string;
  model_version: string;
  bands: Record<string, number>;
  output: string;
  marked_failed: string[];
  /** seconds per step: features (SQL), read_encode, rules, predict (models, blend, calibration, reasons), write (staging + publish) */
  timings: Record<string, number>;
}

const CHUNK = 50_000;

/** Score leads as of a date with a trained model and write the results atomically. */
export async function scoreLeads(opts: ScoreOptions): Promise<ScoreSummary> {
  const started = opts.now();
  const runId = opts.runId ?? defaultRunId(started, opts.shard);
  if (!/^[A-Za-z0-9_.:-]+$/.test(runId)) throw new DataError(`run id "${runId}" has characters other than letters, digits, _ . : -`, 'pass a simpler --run-id');
  const loaded = await loadModel(opts.model, opts.modelsDir);
  if (!fs.existsSync(opts.db)) throw new DataError(`warehouse not found: ${opts.db}`, 'run `leadscore generate` or `leadscore ingest` first, or pass --db');
  const toFiles = opts.outDir !== undefined;
  const w = await Warehouse.open(opts.db, toFiles ? { overlay: true } : {});
  const tag = runId.replace(/[^A-Za-z0-9_]/g, '_');
  const tables = { pairs: `_ls_score_pairs_${tag}`, features: `_ls_score_features_${tag}`, staging: `_ls_score_staging_${tag}` };
  let markedFailed: string[] = [];
  try {
    if (!toFiles) {
      await w.run(SCORE_DDL);
      markedFailed = await markDeadRunsFailed(w, opts.now());
      await w.run(`DELETE FROM score_runs WHERE run_id = $1`, [runId]);
      await w.run(
        `INSERT INTO score_runs (run_id, started_at, status, model, model_version, as_of, shard) VALUES ($1, $2::TIMESTAMP, 'running', $3, $4, $5::TIMESTAMP, $6)`,
        [runId, started.toISOString(), loaded.name, loaded.version, opts.asOf.toISOString(), opts.shard ? `${opts.shard.k}/${opts.shard.n}` : null],
      );
    }
    try {
      const timings: Record<string, number> = {};
      const rows = await computeScores(w, loaded, opts, tables, timings);
      const constants: RunConstants = { asOf: opts.asOf, scoredAt: started, model: loaded.name, modelVersion: loaded.version, runId };
      const tw = performance.now();
      const bands = await bandCounts(w, tables.staging);
      pauseForTests('staged');
      let output = 'warehouse';
      if (toFiles) output = await writeParquet(w, tables.staging, constants, opts.outDir!, opts.shard);
      else await publish(w, tables.staging, constants, rows, opts.now());
      timings.write = (timings.write ?? 0) + (performance.now() - tw) / 1000;
      const ended = opts.now();
      const duration = (ended.getTime() - started.getTime()) / 1000;
      return {
        run_id: runId,
        rows,
        duration_s: duration,
        rows_per_second: duration > 0 ? rows / duration : rows,
        as_of: opts.asOf.toISOString(),
        model: loaded.name,
        model_version: loaded.version,
        bands,
        output,
        marked_failed: markedFailed,
        timings,
      };
    } catch (err) {
      if (!toFiles) {
        await w
          .run(`UPDATE score_runs SET status = 'failed', ended_at = $2::TIMESTAMP, error_message = $3 WHERE run_id = $1`, [runId, opts.now().toISOString(), (err as Error).message])
          .catch(() => undefined);
      }
      throw err;
    } finally {
      for (const t of Object.values(tables)) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`).catch(() => undefined);
    }
  } finally {
    await w.close();
  }
}

/** A run still marked running when a new run starts died (the warehouse lock means nobody else is writing). */
async function markDeadRunsFailed(w: Warehouse, now: Date): Promise<string[]> {
  const dead = await w.all<{ run_id: string }>(`SELECT run_id FROM score_runs WHERE status = 'running'`);
  if (dead.length) {
    await w.run(
      `UPDATE score_runs SET status = 'failed', ended_at = $1::TIMESTAMP, error_message = 'the process died before finishing (killed or crashed); its results were never published' WHERE status = 'running'`,
      [now.toISOString()],
    );
  }
  return dead.map((d) => d.run_id);
}

async function computeScores(
  w: Warehouse,
  loaded: LoadedModel,
  opts: ScoreOptions,
  tables: { pairs: string; features: string; staging: string },
  timings: Record<string, number>,
): Promise<number> {
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark) / 1000;
    mark = now;
  };
  const progress = opts.onProgress ?? (() => undefined);
  if (!(await w.tableExists('leads'))) throw new DataError(`warehouse ${opts.db} has no "leads" table`, 'run `leadscore ingest` or `leadscore generate` first');
  progress(0, 0, 'selecting leads');
  await createScorePairs(w, opts, tables.pairs);
  const total = await w.count(tables.pairs);
  if (total === 0) {
    throw new DataError(
      `no ${opts.leads === 'open' ? 'open ' : ''}leads created before ${opts.asOf.toISOString()} in ${opts.db}${opts.shard ? ` (shard ${opts.shard.k}/${opts.shard.n})` : ''}`,
      'check --as-of, or load leads first',
    );
  }
  progress(0, total, 'features');
  try {
    await buildFeatureTable(w, loaded.spec, { asOf: tables.pairs, horizonDays: loaded.horizonDays, withLabels: false, leads: 'all', into: tables.features });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(
      `model ${loaded.name}@${loaded.version}'s features cannot be computed on ${opts.db}: ${(err as Error).message}`,
      'the warehouse does not have the columns this model was trained on; score with a model trained on this warehouse, or retrain',
    );
  }
  lap('features');
  const frame = await readFrame(w, tables.features, loaded.spec);
  const { matrix, source } = transform(loaded.encoders, frame);
  lap('read_encode');
  const rules = loaded.rules
    ? opts.shard
      ? await ruleScoresAligned(w, loaded.rules, tables.features)
      : await ruleScoresForIds(w, loaded.rules, opts.asOf, frame.ids)
    : null;
  lap('rules');
  if (loaded.model.usesRules && !rules) throw new DataError(`model ${loaded.name}@${loaded.version} blends a rule score but its artifact has no rules`, 'retrain the model');

  await w.run(`DROP TABLE IF EXISTS ${quoteIdent(tables.staging)}`);
  await w.run(STAGING_DDL(quoteIdent(tables.staging)));
  for (let from = 0; from < frame.ids.length; from += CHUNK) {
    const to = Math.min(frame.ids.length, from + CHUNK);
    const columns = scoreChunk(loaded, frame, matrix, source, rules, from, to, { reasons: opts.reasons });
    lap('predict');
    await w.appendColumns(tables.staging, columns);
    lap('write');
    progress(to, total, 'scoring');
  }
  return frame.ids.length;
}

/** Leads to score as (lead_id, as_of) pairs: created before as_of, open unless --leads all, in this shard. */
async function createScorePairs(w: Warehouse, opts: ScoreOptions, into: string): Promise<void> {
  const asOf = `${quoteLiteral(opts.asOf.toISOString())}::TIMESTAMPTZ::TIMESTAMP`;
  const open =
    opts.leads === 'open' && (await w.tableExists('outcomes'))
      ? `AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.lead_id AND o.status = 'won' AND o.closed_at < ${asOf})`
      : '';
  const shard = opts.shard ? `AND ${shardSql('l.lead_id', opts.shard.n)} = ${opts.shard.k - 1}` : '';
  await w.run(`CREATE OR REPLACE TABLE ${quoteIdent(into)} AS SELECT l.lead_id, ${asOf} AS as_of FROM leads l WHERE l.created_at < ${asOf} ${open} ${shard}`);
}

/** Stable shard of a lead id: md5-based, so any engine or DuckDB version agrees. */
export function shardSql(idExpr: string, n: number): string {
  return `(md5_number(${idExpr}) % ${Math.trunc(n)})::INTEGER`;
}

function scoreChunk(
  loaded: LoadedModel,
  frame: FeatureFrame,
  matrix: DenseMatrix,
  source: string[],
  rules: AlignedRuleScores | null,
  from: number,
  to: number,
  run: { reasons: number },
): AppendColumn[] {
  const idx = Int32Array.from({ length: to - from }, (_, i) => from + i);
  const X = takeRows(matrix, idx);
  const ruleTotal = rules ? rules.total.subarray(from, to) : null;
  const out = loaded.model.predict(X, ruleTotal);
  const p = out.probability;
  const score = Array.from(p, scoreFromProbability);
  const pct = referencePercentiles(p, loaded.reference);
  const band = score.map((s) => bandFor(s, loaded.bands));
  const ranking = rankReasons({
    contributions: loaded.model.logistic.contributions(X),
    rows: X.rows,
    cols: X.cols,
    columnFeature: source,
    k: run.reasons,
    minAbsWeight: 0.05,
  });
  const n = to - from;
  const reasons = reasonsJson(ranking, {
    rows: n,
    rawValues: rawValuesOf(frame),
    rawOffset: from,
    describe: (feature, raw) => describeFeature(loaded.encoders, feature, raw),
    round: round4,
  });
  const nulls = () => new Array<null>(n).fill(null);
  return [
    { name: 'lead_id', type: 'VARCHAR', values: frame.ids.slice(from, to) },
    { name: 'probability', type: 'DOUBLE', values: p },
    { name: 'score', type: 'INTEGER', values: score },
    { name: 'percentile', type: 'DOUBLE', values: pct },
    { name: 'band', type: 'VARCHAR', values: band },
    { name: 'grade', type: 'VARCHAR', values: rules ? rules.grade.slice(from, to) : nulls() },
    { name: 'rule_score', type: 'DOUBLE', values: rules ? rules.total.subarray(from, to) : nulls() },
    { name: 'rule_band', type: 'VARCHAR', values: rules ? rules.band.slice(from, to) : nulls() },
    { name: 'reasons', type: 'JSON', values: reasons },
  ];
}

/** The frame's raw columns by name (whole columns; reasonsJson indexes them from the chunk's offset). */
const rawCache = new WeakMap<FeatureFrame, Record<string, ArrayLike<unknown>>>();
function rawValuesOf(frame: FeatureFrame): Record<string, ArrayLike<unknown>> {
  let raw = rawCache.get(frame);
  if (!raw) {
    raw = Object.fromEntries(frame.columns.map((c) => [c.name, c.values as ArrayLike<unknown>]));
    rawCache.set(frame, raw);
  }
  return raw;
}

/** Values that are the same for every row of a run: not staged per row, filled in by SQL when published. */
interface RunConstants {
  asOf: Date;
  scoredAt: Date;
  model: string;
  modelVersion: string;
  runId: string;
}

/** The staging table holds only the per-row columns; the run's constants are added on the way out. */
const STAGED_COLUMN_TYPES = [
  ['lead_id', 'VARCHAR NOT NULL'], ['probability', 'DOUBLE NOT NULL'], ['score', 'INTEGER NOT NULL'], ['percentile', 'DOUBLE'],
  ['band', 'VARCHAR NOT NULL'], ['grade', 'VARCHAR'], ['rule_score', 'DOUBLE'], ['rule_band', 'VARCHAR'], ['reasons', 'JSON'],
] as const;
function STAGING_DDL(quotedName: string): string {
  return `CREATE TABLE ${quotedName} (${STAGED_COLUMN_TYPES.map(([c, t]) => `${quoteIdent(c)} ${t}`).join(', ')})`;
}

/** SELECT list giving SCORE_COLUMNS, in order, from the staging table plus the run's constants. */
function scoreSelectList(c: RunConstants): string {
  const ts = (d: Date) => `epoch_ms(${Math.round(d.getTime())}::BIGINT)`;
  const constant: Record<string, string> = {
    as_of: ts(c.asOf),
    scored_at: ts(c.scoredAt),
    model: quoteLiteral(c.model),
    model_version: quoteLiteral(c.modelVersion),
    run_id: quoteLiteral(c.runId),
  };
  return SCORE_COLUMNS.map((col) => (col in constant ? `${constant[col]} AS ${quoteIdent(col)}` : quoteIdent(col))).join(', ');
}

/**
 * Rule scores for one as_of, in the order of `ids`: the rules scored for every lead as of that date
 * in one pass (no pairs table), then looked up by lead_id. Leads the rules did not score get the
 * same defaults as ruleScoresAligned (total 0, band "unscored", grade "").
 */
async function ruleScoresForIds(w: Warehouse, rules: RuleSet, asOf: Date, ids: string[]): Promise<AlignedRuleScores> {
  const scored = await scoreRules(w, rules, { asOf, leads: 'all' });
  const at = new Map<string, number>();
  for (let i = 0; i < scored.ids.length; i++) at.set(scored.ids[i], i);
  const n = ids.length;
  const out: AlignedRuleScores = { total: new Float64Array(n), band: new Array(n), grade: new Array(n), mql: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const j = at.get(ids[i]);
    if (j === undefined) {
      out.band[i] = 'unscored';
      out.grade[i] = '';
      continue;
    }
    out.total[i] = scored.total[j];
    out.band[i] = scored.band[j];
    out.grade[i] = scored.grade[j];
    out.mql[i] = scored.mql[j];
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

async function bandCounts(w: Warehouse, staging: string): Promise<Record<string, number>> {
  const rows = await w.all<{ band: string; n: number }>(`SELECT band, count(*)::BIGINT AS n FROM ${quoteIdent(staging)} GROUP BY band ORDER BY band`);
  return Object.fromEntries(rows.map((r) => [r.band, r.n]));
}

/** Publish a run in one transaction: latest scores replaced, this run's history replaced, run marked done. */
async function publish(w: Warehouse, staging: string, constants: RunConstants, rows: number, now: Date): Promise<void> {
  const runId = constants.runId;
  const s = quoteIdent(staging);
  const cols = SCORE_COLUMNS.map(quoteIdent).join(', ');
  const select = scoreSelectList(constants);
  await w.transaction(async (tx) => {
    // upsert on the primary key: each staged lead's row replaced whole (or added), the others untouched.
    // Same result as DELETE + INSERT, but DuckDB updates the rows in place instead of deleting index
    // entries one by one, which cost more than everything else in a re-run.
    await tx.run(`INSERT OR REPLACE INTO lead_scores (${cols}) SELECT ${select} FROM ${s}`);
    await tx.run(`DELETE FROM lead_score_history WHERE run_id = $1`, [runId]);
    await tx.run(`INSERT INTO lead_score_history (${cols}) SELECT ${select} FROM ${s}`);
    pauseForTests('in-transaction');
    await tx.run(
      `UPDATE score_runs SET status = 'succeeded', ended_at = $2::TIMESTAMP, rows_scored = $3, duration_s = date_diff('millisecond', started_at, $2::TIMESTAMP) / 1000.0 WHERE run_id = $1`,
      [runId, now.toISOString(), rows],
    );
  });
}

/** Write the staged scores to DIR as Parquet: to a temp file first, then renamed, so readers never see half a file. */
async function writeParquet(w: Warehouse, staging: string, constants: RunConstants, dir: string, shard?: Shard): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const name = shard ? `lead_scores-shard-${shard.k}-of-${shard.n}.parquet` : 'lead_scores.parquet';
  const target = path.join(dir, name);
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await w.exportQuery(`SELECT ${scoreSelectList(constants)} FROM ${quoteIdent(staging)} ORDER BY lead_id`, temp, 'parquet');
    fs.renameSync(temp, target);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return target;
}

function defaultRunId(started: Date, shard?: Shard): string {
  const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `score-${stamp}${shard ? `-shard${shard.k}of${shard.n}` : ''}`;
}

/**
 * Test hook: with LEADSCORE_PAUSE_AT=<point> the process announces the point on stderr and blocks,
 * so a test can kill -9 it at a known moment. Does nothing otherwise.
 */
function pauseForTests(point: string): void {
  if (process.env.LEADSCORE_PAUSE_AT !== point) return;
  process.stderr.write(`leadscore: paused at ${point}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}
