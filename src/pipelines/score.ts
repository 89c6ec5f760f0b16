import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataError } from '../errors.ts';
import { Warehouse, quoteIdent, quoteLiteral, type AppendColumn } from '../store/index.ts';
import { buildFeatureTable, featureDescriber, readFrame, transform, type FeatureFrame } from '../features/index.ts';
import { bandFor, scoreFromProbability } from '../models/index.ts';
import { rankLinearReasons, reasonPhrases, type ReasonPhrases, type ReasonRanking } from '../models/reasons.ts';
import { compileRules } from '../rules/compile.ts';
import { ruleBandDecoder, ruleGradeDecoder, ruleMqlDecoder } from '../rules/engine.ts';
import type { RuleSet } from '../rules/types.ts';
import { HISTORY_COLUMNS, SCORE_COLUMNS, SCORE_DDL } from './tables.ts';
import { phraseTableDdl, reasonColumns, reasonColumnTypes, reasonsJoinSql, reasonsJsonSql } from './reasons-sql.ts';
import { loadModel, referencePercentiles, type LoadedModel } from './loaded-model.ts';
import type { AlignedRuleScores } from './train.ts';
import type { BaseOutputs } from './predictive.ts';

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
  /**
   * seconds per step: features (SQL), read_encode, predict (models, blend, calibration, reasons' ranking and phrases),
   * rules (the wait for it; rules_overlapped: its own run, beside the JS), write (staging, inserts with the reasons
   * JSON made in SQL, commit)
   */
  timings: Record<string, number>;
}

const CHUNK = 50_000;

/** Score leads as of a date with a trained model and write the results atomically. */
export async function scoreLeads(opts: ScoreOptions): Promise<ScoreSummary> {
  const started = opts.now();
  const runId = opts.runId ?? defaultRunId(started, opts.shard);
  if (!/^[A-Za-z0-9_.:-]+$/.test(runId))
    throw new DataError(
      `run id "${runId}" has characters other than letters, digits, _ . : -`,
      'pass a simpler --run-id',
    );
  const loaded = await loadModel(opts.model, opts.modelsDir);
  if (!fs.existsSync(opts.db))
    throw new DataError(
      `warehouse not found: ${opts.db}`,
      'run `leadscore generate` or `leadscore ingest` first, or pass --db',
    );
  const toFiles = opts.outDir !== undefined;
  const w = await Warehouse.open(opts.db, toFiles ? { overlay: true } : {});
  const tag = runId.replace(/[^A-Za-z0-9_]/g, '_');
  const tables: ScoreTables = {
    pairs: `_ls_score_pairs_${tag}`,
    features: `_ls_score_features_${tag}`,
    ids: `_ls_score_ids_${tag}`,
    staging: `_ls_score_staging_${tag}`,
    phrases: `_ls_score_phrases_${tag}`,
    phraseJoin: `_ls_score_phrase_join_${tag}`,
  };
  let markedFailed: string[] = [];
  try {
    if (!toFiles) {
      await w.run(SCORE_DDL);
      markedFailed = await markDeadRunsFailed(w, opts.now());
      await w.run(`DELETE FROM score_runs WHERE run_id = $1`, [runId]);
      await w.run(
        `INSERT INTO score_runs (run_id, started_at, status, model, model_version, as_of, shard) VALUES ($1, $2::TIMESTAMP, 'running', $3, $4, $5::TIMESTAMP, $6)`,
        [
          runId,
          started.toISOString(),
          loaded.name,
          loaded.version,
          opts.asOf.toISOString(),
          opts.shard ? `${opts.shard.k}/${opts.shard.n}` : null,
        ],
      );
    }
    try {
      const timings: Record<string, number> = {};
      const prepared = await prepareScoring(w, loaded, opts, tables, timings);
      const constants: RunConstants = {
        asOf: opts.asOf,
        scoredAt: started,
        model: loaded.name,
        modelVersion: loaded.version,
        runId,
        dictionaries: { band: new TextCodes(), grade: new TextCodes(), rule_band: new TextCodes() },
        reasons: prepared.phrases.k,
      };
      const phrasesStarted = performance.now();
      await stagePhrases(w, tables, prepared.phrases);
      timings.write = (performance.now() - phrasesStarted) / 1000; // publishing adds its own
      const chunks = scoredChunks(loaded, prepared, constants.dictionaries);
      const progress = (done: number, stage = 'scoring') => opts.onProgress?.(done, prepared.frame.ids.length, stage);
      const output = toFiles
        ? await writeParquet(w, tables, constants, chunks, opts.outDir!, opts.shard, timings, progress)
        : await publish(w, tables, constants, chunks, opts.now, timings, progress);
      const rows = prepared.frame.ids.length;
      const bands = Object.fromEntries(Object.entries(chunks.bands).sort(([a], [b]) => (a < b ? -1 : 1)));
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
          .run(
            `UPDATE score_runs SET status = 'failed', ended_at = $2::TIMESTAMP, error_message = $3 WHERE run_id = $1`,
            [runId, opts.now().toISOString(), (err as Error).message],
          )
          .catch(() => undefined);
      }
      throw err;
    } finally {
      for (const t of Object.values(tables))
        await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`).catch(() => undefined);
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

/** Scratch tables of one run (dropped at the end, whatever happens). */
interface ScoreTables {
  pairs: string;
  features: string;
  /** frame row number -> lead_id, so staging holds an integer instead of the id text */
  ids: string;
  staging: string;
  /** the run's distinct reason phrases (id, s) as staged, and as joined to make the JSON (id, s, sc) */
  phrases: string;
  phraseJoin: string;
}

/**
 * Everything a run computes before the per-chunk work: the frame, the base models' outputs, the reasons' ranking and
 * phrases, the rules.
 */
interface Prepared {
  frame: FeatureFrame;
  base: BaseOutputs;
  ranking: ReasonRanking;
  phrases: ReasonPhrases;
  rules: AlignedRuleScores | null;
}

async function prepareScoring(
  w: Warehouse,
  loaded: LoadedModel,
  opts: ScoreOptions,
  tables: ScoreTables,
  timings: Record<string, number>,
): Promise<Prepared> {
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark) / 1000;
    mark = now;
  };
  const progress = opts.onProgress ?? (() => undefined);
  if (!(await w.tableExists('leads')))
    throw new DataError(
      `warehouse ${opts.db} has no "leads" table`,
      'run `leadscore ingest` or `leadscore generate` first',
    );
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
    // TEMP: the run's features are scratch, never written to the warehouse file
    await buildFeatureTable(w, loaded.spec, {
      asOf: tables.pairs,
      horizonDays: loaded.horizonDays,
      withLabels: false,
      leads: 'all',
      into: tables.features,
      temp: true,
      rowNumbers: true,
    });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(
      `model ${loaded.name}@${loaded.version}'s features cannot be computed on ${opts.db}: ${(err as Error).message}`,
      'the warehouse does not have the columns this model was trained on; score with a model trained on this warehouse, or retrain',
    );
  }
  lap('features');
  // Rows are placed by the pairs' rn (the lead_id order), not sorted again. ids: frame row -> lead_id;
  // staged rows carry the row number and the id is joined back in SQL, so JS never reads the ids.
  const frame = await readFrame(w, tables.features, loaded.spec, { idsInto: tables.ids, rowNumbers: true, ids: false });
  // The rule score now runs in DuckDB on a second connection while JavaScript encodes the frame and
  // runs the base models and the reasons' ranking: none of those need it; only the blend does.
  // (Started after the frame's SQL, not beside it: the two would only share DuckDB's threads.)
  const side = loaded.rules ? await w.secondConnection() : null;
  const rulesStarted = performance.now();
  const rulesJob = side
    ? ruleScoresForPairs(side, loaded.rules!, tables.pairs, opts.shard ? null : opts.asOf).finally(() => {
        // its own duration, mostly hidden behind the JS work
        timings.rules_overlapped = (performance.now() - rulesStarted) / 1000;
        return side.close();
      })
    : Promise.resolve(null);
  rulesJob.catch(() => undefined); // awaited below, on every path
  // one turn of the event loop, so the query reaches DuckDB's threads before the synchronous work below holds the loop
  await new Promise<void>((resolve) => setImmediate(resolve));
  let base: BaseOutputs;
  let ranking: ReasonRanking;
  let phrases: ReasonPhrases;
  try {
    const { matrix, source } = transform(loaded.encoders, frame);
    lap('read_encode');
    progress(0, total, 'models');
    base = loaded.model.baseOutputs(matrix);
    ranking = rankLinearReasons({
      x: matrix.data,
      coef: Float64Array.from(loaded.model.logistic.coefficients()),
      rows: matrix.rows,
      cols: matrix.cols,
      columnFeature: source,
      k: opts.reasons,
      minAbsWeight: 0.05,
    });
    const describers = new Map(ranking.features.map((f) => [f, featureDescriber(loaded.encoders, f)]));
    phrases = reasonPhrases(ranking, {
      rows: matrix.rows,
      rawValues: rawValuesOf(frame),
      describe: (feature, raw) => describers.get(feature)!(raw),
    });
    lap('predict');
  } catch (err) {
    await rulesJob.catch(() => undefined);
    throw err;
  }
  progress(0, total, 'rules');
  const rules = await rulesJob;
  if (rules && rules.total.length !== frame.ids.length) {
    throw new Error(
      `internal error: ${rules.total.length} rule scores for ${frame.ids.length} feature rows (lead ids in leads must be unique)`,
    );
  }
  lap('rules'); // only the wait: the rest overlapped with the steps above
  if (loaded.model.usesRules && !rules)
    throw new DataError(
      `model ${loaded.name}@${loaded.version} blends a rule score but its artifact has no rules`,
      'retrain the model',
    );
  return { frame, base, ranking, phrases, rules };
}

/** The staged columns of rows [from, to), computed on demand, chunk by chunk; counts bands as it goes. */
interface ChunkSource {
  rows: number;
  bands: Record<string, number>;
  /** predict time so far (s) */
  predictSeconds: number;
  chunk(from: number, to: number): AppendColumn[];
}

function scoredChunks(loaded: LoadedModel, prepared: Prepared, dictionaries: Dictionaries): ChunkSource {
  const src: ChunkSource = {
    rows: prepared.frame.ids.length,
    bands: {},
    predictSeconds: 0,
    chunk: (from, to) => {
      const t = performance.now();
      const cols = scoreChunk(loaded, prepared, from, to, { dictionaries, bands: src.bands });
      src.predictSeconds += (performance.now() - t) / 1000;
      return cols;
    },
  };
  return src;
}
/**
 * Leads to score as (rn, lead_id, as_of): created before as_of, open unless --leads all, in this shard; rn numbers them
 * in lead_id order (the frame's row order).
 */
async function createScorePairs(w: Warehouse, opts: ScoreOptions, into: string): Promise<void> {
  const asOf = `${quoteLiteral(opts.asOf.toISOString())}::TIMESTAMPTZ::TIMESTAMP`;
  const open =
    opts.leads === 'open' && (await w.tableExists('outcomes'))
      ? `AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.lead_id AND o.status = 'won' AND o.closed_at < ${asOf})`
      : '';
  const shard = opts.shard ? `AND ${shardSql('l.lead_id', opts.shard.n)} = ${opts.shard.k - 1}` : '';
  await w.run(
    `CREATE OR REPLACE TABLE ${quoteIdent(into)} AS SELECT (row_number() OVER (ORDER BY l.lead_id) - 1)::INTEGER AS rn, l.lead_id, ${asOf} AS as_of FROM leads l WHERE l.created_at < ${asOf} ${open} ${shard}`,
  );
}

/** Stable shard of a lead id: md5-based, so any engine or DuckDB version agrees. */
export function shardSql(idExpr: string, n: number): string {
  return `(md5_number(${idExpr}) % ${Math.trunc(n)})::INTEGER`;
}

// Rows [from, to): blend and calibration (the rule score is in now), score, band, percentile, reasons in words.
function scoreChunk(
  loaded: LoadedModel,
  prepared: Prepared,
  from: number,
  to: number,
  run: { dictionaries: Dictionaries; bands: Record<string, number> },
): AppendColumn[] {
  const n = to - from;
  const { base, ranking, phrases, rules } = prepared;
  const slice = (a: Float64Array | undefined) => a?.subarray(from, to);
  const out = loaded.model.combine(
    { logistic: slice(base.logistic)!, neural: slice(base.neural)!, gbdt: slice(base.gbdt) },
    rules ? rules.total.subarray(from, to) : null,
  );
  const p = out.probability;
  const score = new Int32Array(n);
  const band = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = scoreFromProbability(p[i]);
    const name = bandFor(score[i], loaded.bands);
    band[i] = run.dictionaries.band.code(name);
    run.bands[name] = (run.bands[name] ?? 0) + 1;
  }
  const pct = referencePercentiles(p, loaded.reference);
  const rowNumber = new Int32Array(n);
  for (let i = 0; i < n; i++) rowNumber[i] = from + i;
  const codes = (values: string[] | undefined, dict: TextCodes) => {
    const c = new Int32Array(n).fill(-1);
    if (values) for (let i = 0; i < n; i++) c[i] = dict.code(values[from + i]);
    return c;
  };
  return [
    { name: 'rn', type: 'INTEGER', values: rowNumber },
    { name: 'probability', type: 'DOUBLE', values: p },
    { name: 'score', type: 'INTEGER', values: score },
    { name: 'percentile', type: 'DOUBLE', values: pct },
    { name: 'band_code', type: 'INTEGER', values: band },
    { name: 'grade_code', type: 'INTEGER', values: codes(rules?.grade, run.dictionaries.grade) },
    { name: 'rule_score', type: 'DOUBLE', values: rules ? rules.total.slice(from, to) : new Float64Array(n).fill(NaN) },
    { name: 'rule_band_code', type: 'INTEGER', values: codes(rules?.band, run.dictionaries.rule_band) },
    ...reasonColumns(phrases, ranking, from, to, round4),
  ];
}

/** Codes for a text column with few distinct values (bands, grades): staged as integers, decoded in SQL. */
class TextCodes {
  readonly levels: string[] = [];
  private readonly index = new Map<string, number>();

  /** The code of a value, assigned on first sight. */
  code(value: string): number {
    let c = this.index.get(value);
    if (c === undefined) {
      c = this.levels.length;
      this.levels.push(value);
      this.index.set(value, c);
    }
    return c;
  }

  /** SQL turning a code column back into the text (code -1: NULL). */
  decodeSql(column: string): string {
    if (this.levels.length === 0) return 'CAST(NULL AS VARCHAR)';
    return `CASE WHEN ${column} >= 0 THEN [${this.levels.map(quoteLiteral).join(', ')}][${column} + 1] END`;
  }
}

/** The coded text columns of the staging table. */
interface Dictionaries {
  band: TextCodes;
  grade: TextCodes;
  rule_band: TextCodes;
}

/** The frame's raw columns by name (the reasons' words are made from them). */
function rawValuesOf(frame: FeatureFrame): Record<string, ArrayLike<unknown>> {
  return Object.fromEntries(frame.columns.map((c) => [c.name, c.values as ArrayLike<unknown>]));
}

/** Values that are the same for every row of a run: not staged per row, filled in by SQL when published. */
interface RunConstants {
  asOf: Date;
  scoredAt: Date;
  model: string;
  modelVersion: string;
  runId: string;
  dictionaries: Dictionaries;
  /** reasons each way (k) */
  reasons: number;
}

/**
 * The staging table holds only per-row numbers (a TEMP table: never written to the warehouse file or
 * its log), so every column is appended as a block copy; ids, text codes, the run's constants and the
 * reasons JSON (from phrase ids and weights) are made in SQL on the way out.
 */
const STAGED_COLUMN_TYPES = [
  ['rn', 'INTEGER NOT NULL'],
  ['probability', 'DOUBLE NOT NULL'],
  ['score', 'INTEGER NOT NULL'],
  ['percentile', 'DOUBLE'],
  ['band_code', 'INTEGER NOT NULL'],
  ['grade_code', 'INTEGER'],
  ['rule_score', 'DOUBLE'],
  ['rule_band_code', 'INTEGER'],
] as const;
function STAGING_DDL(quotedName: string, reasons: number): string {
  const columns = [...STAGED_COLUMN_TYPES, ...reasonColumnTypes(reasons)];
  return `CREATE TEMP TABLE ${quotedName} (${columns.map(([c, t]) => `${quoteIdent(c)} ${t}`).join(', ')})`;
}

/** The run's reason phrases, staged once (a few thousand rows), then as the table the JSON joins. */
async function stagePhrases(w: Warehouse, tables: ScoreTables, phrases: ReasonPhrases): Promise<void> {
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(tables.phrases)} (id INTEGER NOT NULL, s VARCHAR NOT NULL)`);
  await w.appendColumns(tables.phrases, [
    { name: 'id', type: 'INTEGER', values: Int32Array.from(phrases.phrases, (_, i) => i) },
    { name: 's', type: 'VARCHAR', values: phrases.phrases },
  ]);
  await w.run(phraseTableDdl(tables.phraseJoin, tables.phrases));
}

/**
 * SELECT list giving `columns` (default SCORE_COLUMNS), in order, from staging `s` joined to ids `i`, plus the run's
 * constants.
 */
function scoreSelectList(c: RunConstants, columns: readonly string[] = SCORE_COLUMNS): string {
  const ts = (d: Date) => `epoch_ms(${Math.round(d.getTime())}::BIGINT)`;
  const expr: Record<string, string> = {
    lead_id: 'i.lead_id',
    as_of: ts(c.asOf),
    scored_at: ts(c.scoredAt),
    model: quoteLiteral(c.model),
    model_version: quoteLiteral(c.modelVersion),
    run_id: quoteLiteral(c.runId),
    band: c.dictionaries.band.decodeSql('s.band_code'),
    grade: c.dictionaries.grade.decodeSql('s.grade_code'),
    rule_band: c.dictionaries.rule_band.decodeSql('s.rule_band_code'),
    reasons: reasonsJsonSql(c.reasons, 's'),
  };
  return columns.map((col) => `${expr[col] ?? `s.${quoteIdent(col)}`} AS ${quoteIdent(col)}`).join(', ');
}

/**
 * FROM clause pairing staged rows with their lead ids and the phrases of their first `reasons` reasons each way (0:
 * none).
 */
function scoredRowsSql(tables: ScoreTables, reasons: number): string {
  return `${quoteIdent(tables.staging)} s JOIN ${quoteIdent(tables.ids)} i ON i.rn = s.rn ${reasonsJoinSql(reasons, 's', tables.phraseJoin)}`;
}

/**
 * Rule scores in the frame's row order (the pairs' rn). The frame has one row per scoring pair (the
 * pairs are leads created before as_of, and so is every feature row), so the rules align on the pairs
 * table, which, unlike the TEMP feature table, a second connection can read. With `asOf` the rules
 * score every lead as of that date in one pass (cheaper than per pair when most leads are scored);
 * without, only the pairs (a shard). Read as numbers; leads the rules did not score get total 0,
 * band "unscored", grade "" (as ruleScoresAligned).
 */
async function ruleScoresForPairs(
  w: Warehouse,
  rules: RuleSet,
  pairs: string,
  asOf: Date | null,
): Promise<AlignedRuleScores> {
  // unordered: the join below puts the rows in the frame's order
  const codes = compileRules(rules, {
    ...(asOf ? { asOf } : { pairsTable: pairs }),
    leads: 'all',
    output: 'codes',
    ordered: false,
  });
  const cols = await w.numericColumns(
    `WITH r AS (${codes})
     SELECT coalesce(r.total, 0)::DOUBLE AS total, coalesce(r.code, -1)::INTEGER AS code
     FROM ${quoteIdent(pairs)} f LEFT JOIN r ON r.lead_id = f.lead_id ORDER BY f.rn`,
  );
  const n = cols.total.length;
  const bandOf = ruleBandDecoder(rules);
  const gradeOf = ruleGradeDecoder(rules);
  const mqlOf = ruleMqlDecoder();
  const out: AlignedRuleScores = { total: cols.total, band: new Array(n), grade: new Array(n), mql: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const c = cols.code[i];
    if (c < 0) {
      out.band[i] = 'unscored';
      out.grade[i] = '';
      continue;
    }
    out.band[i] = bandOf(c);
    out.grade[i] = gradeOf(c);
    out.mql[i] = mqlOf(c);
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Progress of a run: rows done, and the stage ('scoring' while rows are computed). */
type Progress = (done: number, stage?: string) => void;

/**
 * Stage every row: chunk by chunk, JavaScript computes the numbers (blend, calibration, score, band,
 * reason phrase ids) and appends them as block copies to the TEMP staging table.
 */
async function stageAll(
  w: Warehouse,
  tables: ScoreTables,
  constants: RunConstants,
  chunks: ChunkSource,
  progress: Progress,
): Promise<void> {
  await w.run(STAGING_DDL(quoteIdent(tables.staging), constants.reasons));
  for (let from = 0; from < chunks.rows; from += CHUNK) {
    const to = Math.min(chunks.rows, from + CHUNK);
    await w.appendColumns(tables.staging, chunks.chunk(from, to));
    progress(to);
  }
}

/**
 * Publish a run in one transaction: latest scores replaced, this run's history replaced, run marked
 * done. All rows are staged first, then written by one INSERT per table: DuckDB builds the reasons'
 * phrase joins once and writes whole row groups (per 50k-row chunk, the joins and the index work cost
 * several times more). Nothing is visible to anyone until the commit, and a run killed before it
 * leaves every table as it was.
 */
async function publish(
  w: Warehouse,
  tables: ScoreTables,
  constants: RunConstants,
  chunks: ChunkSource,
  now: () => Date,
  timings: Record<string, number>,
  progress: Progress,
): Promise<string> {
  const t0 = performance.now();
  const runId = constants.runId;
  const cols = SCORE_COLUMNS.map(quoteIdent).join(', ');
  const historyCols = HISTORY_COLUMNS.map(quoteIdent).join(', ');
  await stageAll(w, tables, constants, chunks, progress);
  progress(chunks.rows, 'writing lead_scores and lead_score_history (one transaction)');
  // (after staging: every text code is in the dictionaries now)
  const select = `SELECT ${scoreSelectList(constants)} FROM ${scoredRowsSql(tables, constants.reasons)}`;
  const historySelect = `SELECT ${scoreSelectList(constants, HISTORY_COLUMNS)} FROM ${scoredRowsSql(tables, 0)}`; // history has no reasons: no phrase joins
  await w.transaction(async (tx) => {
    await tx.run(`DELETE FROM lead_score_history WHERE run_id = $1`, [runId]);
    // An upsert of a lead lead_scores does not have yet costs DuckDB about twice a plain insert (an
    // empty table: 5.2 s against 2.7 s per million rows), while one it has is updated in place (where
    // DELETE + INSERT would remove index entries one by one). So leads already scored are flagged,
    // and upserted; the others inserted.
    const ids = quoteIdent(tables.ids);
    if ((await tx.count('lead_scores')) > 0) {
      await tx.run(`ALTER TABLE ${ids} ADD COLUMN scored BOOLEAN DEFAULT false`);
      await tx.run(`UPDATE ${ids} SET scored = true FROM lead_scores ls WHERE ls.lead_id = ${ids}.lead_id`);
      await tx.run(`INSERT OR REPLACE INTO lead_scores (${cols}) ${select} WHERE i.scored`);
      pauseForTests('part-written');
      await tx.run(`INSERT INTO lead_scores (${cols}) ${select} WHERE NOT i.scored`);
    } else {
      await tx.run(`INSERT INTO lead_scores (${cols}) ${select}`);
      pauseForTests('part-written');
    }
    await tx.run(`INSERT INTO lead_score_history (${historyCols}) ${historySelect}`);
    pauseForTests('in-transaction');
    await tx.run(
      `UPDATE score_runs SET status = 'succeeded', ended_at = $2::TIMESTAMP, rows_scored = $3, duration_s = date_diff('millisecond', started_at, $2::TIMESTAMP) / 1000.0 WHERE run_id = $1`,
      [runId, now().toISOString(), chunks.rows],
    );
  });
  const total = (performance.now() - t0) / 1000;
  timings.predict = (timings.predict ?? 0) + chunks.predictSeconds;
  // the write: staging appends, the inserts and the commit
  timings.write = (timings.write ?? 0) + total - chunks.predictSeconds;
  return 'warehouse';
}

/**
 * Stage every chunk, then write DIR as Parquet: to a temp file first, then renamed, so readers never see half a file.
 */
async function writeParquet(
  w: Warehouse,
  tables: ScoreTables,
  constants: RunConstants,
  chunks: ChunkSource,
  dir: string,
  shard: Shard | undefined,
  timings: Record<string, number>,
  progress: Progress,
): Promise<string> {
  const t0 = performance.now();
  await stageAll(w, tables, constants, chunks, progress);
  progress(chunks.rows, 'writing Parquet');
  pauseForTests('staged');
  fs.mkdirSync(dir, { recursive: true });
  const name = shard ? `lead_scores-shard-${shard.k}-of-${shard.n}.parquet` : 'lead_scores.parquet';
  const target = path.join(dir, name);
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await w.exportQuery(
      `SELECT ${scoreSelectList(constants)} FROM ${scoredRowsSql(tables, constants.reasons)} ORDER BY i.lead_id`,
      temp,
      'parquet',
    );
    fs.renameSync(temp, target);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  timings.predict = (timings.predict ?? 0) + chunks.predictSeconds;
  timings.write = (timings.write ?? 0) + (performance.now() - t0) / 1000 - chunks.predictSeconds;
  return target;
}

function defaultRunId(started: Date, shard?: Shard): string {
  const stamp = started
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
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
