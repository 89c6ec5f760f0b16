/**
 * Staging a scoring run's rows: JavaScript computes the per-row numbers chunk by chunk (blend,
 * calibration, score, band, percentile) and appends them as block copies to a TEMP table, and the
 * reasons (phrase ids and weights) to another once they are ranked; the text (ids, bands, grades, the
 * run's constants, the reasons JSON) is made in SQL on the way out, when the rows are published.
 */
import { quoteIdent, quoteLiteral, type AppendColumn, type Warehouse } from '../../store/index.ts';
import { bandFor, scoreFromProbability } from '../../models/score.ts';
import { roundWeight, type ReasonPhrases } from '../../models/reasons.ts';
import { SCORE_COLUMNS, TREND_COLUMNS } from '../tables.ts';
import {
  phraseTableAddSql,
  phraseTableDdl,
  reasonColumns,
  reasonColumnTypes,
  reasonsJoinSql,
  reasonsJsonSql,
} from '../reasons-sql.ts';
import type { TrainedModel } from '../trained-model.ts';
import type { Prepared, Progress, ScoreTables } from './types.ts';

/** Rows computed and appended per chunk. */
const CHUNK = 50_000;

/** The staged columns of rows [from, to), computed on demand, chunk by chunk; counts bands as it goes. */
export interface ChunkSource {
  rows: number;
  bands: Record<string, number>;
  /** predict time so far (s) */
  predictSeconds: number;
  chunk(from: number, to: number): AppendColumn[];
}

/** The run's rows as chunks computed on demand (blend, calibration, score, band, percentile). */
export function scoredChunks(loaded: TrainedModel, prepared: Prepared, dictionaries: Dictionaries): ChunkSource {
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
// Rows [from, to): blend and calibration (the rule score is in now), score, band, percentile.
function scoreChunk(
  loaded: TrainedModel,
  prepared: Prepared,
  from: number,
  to: number,
  run: { dictionaries: Dictionaries; bands: Record<string, number> },
): AppendColumn[] {
  const n = to - from;
  const { base, rules } = prepared;
  const baseChunk = Object.fromEntries(Object.entries(base).map(([name, p]) => [name, p.subarray(from, to)]));
  const out = loaded.model.combine(baseChunk, rules ? rules.total.subarray(from, to) : null);
  const p = out.probability;
  const bands = loaded.model.bandThresholds();
  const score = new Int32Array(n);
  const band = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = scoreFromProbability(p[i]);
    const name = bandFor(score[i], bands);
    band[i] = run.dictionaries.band.code(name);
    run.bands[name] = (run.bands[name] ?? 0) + 1;
  }
  const pct = loaded.model.percentiles(p);
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
  ];
}

/** Codes for a text column with few distinct values (bands, grades): staged as integers, decoded in SQL. */
export class TextCodes {
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
export interface Dictionaries {
  band: TextCodes;
  grade: TextCodes;
  rule_band: TextCodes;
}

/** Values that are the same for every row of a run: not staged per row, filled in by SQL when published. */
export interface RunConstants {
  asOf: Date;
  scoredAt: Date;
  model: string;
  modelVersion: string;
  runId: string;
  dictionaries: Dictionaries;
  /** reason slots per row (k up + k down) */
  reasons: number;
}

/**
 * The staging tables hold only per-row numbers (TEMP tables: never written to the warehouse file or its
 * log), so every column is appended as a block copy; ids, text codes, the run's constants and the
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
function tempTableDdl(quotedName: string, columns: readonly (readonly [string, string])[]): string {
  return `CREATE OR REPLACE TEMP TABLE ${quotedName} (${columns.map(([c, t]) => `${quoteIdent(c)} ${t}`).join(', ')})`;
}

/**
 * The reason tables, empty: the run's distinct phrases (id, s), the same as the JSON joins them (id, s, sc), and per
 * row (rn) a phrase id and a rounded weight per slot.
 */
export async function createReasonTables(w: Warehouse, tables: ScoreTables, slots: number): Promise<void> {
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(tables.phrases)} (id INTEGER NOT NULL, s VARCHAR NOT NULL)`);
  await w.run(phraseTableDdl(tables.phraseJoin, tables.phrases));
  await w.run(tempTableDdl(quoteIdent(tables.reasons), [['rn', 'INTEGER NOT NULL'], ...reasonColumnTypes(slots)]));
}

/**
 * Stage the reasons of rows [from, to) (`phrases`: theirs, row 0 being row `from`) and the phrases they brought: ids
 * `known` and up (a few thousand over a run). Returns how many phrases are staged now.
 */
export async function stageReasonRange(
  w: Warehouse,
  tables: ScoreTables,
  phrases: ReasonPhrases,
  range: { from: number; to: number },
  known: number,
): Promise<number> {
  const added = phrases.phrases.slice(known);
  if (added.length > 0) {
    await w.appendColumns(tables.phrases, [
      { name: 'id', type: 'INTEGER', values: Int32Array.from(added, (_, i) => known + i) },
      { name: 's', type: 'VARCHAR', values: added },
    ]);
    await w.run(phraseTableAddSql(tables.phraseJoin, tables.phrases, known));
  }
  for (let from = range.from; from < range.to; from += CHUNK) {
    const to = Math.min(range.to, from + CHUNK);
    const rn = new Int32Array(to - from);
    for (let i = 0; i < rn.length; i++) rn[i] = from + i;
    await w.appendColumns(tables.reasons, [
      { name: 'rn', type: 'INTEGER', values: rn },
      ...reasonColumns(phrases, from - range.from, to - range.from, roundWeight, range.from),
    ]);
  }
  return phrases.phrases.length;
}

/** lead_scores' trend columns, from the trend table `t` (stageTrend) and the new row's score `s.score`. */
export const TREND_SELECT: Readonly<Record<string, string>> = {
  previous_score: 't.previous_score',
  previous_as_of: 't.previous_as_of',
  score_change: 's.score - t.previous_score',
  score_change_7d: 's.score - t.score_7d',
};

/**
 * SELECT list giving `columns` (default SCORE_COLUMNS), in order, from staging `s` joined to ids `i`, plus the run's
 * constants.
 */
export function scoreSelectList(c: RunConstants, columns: readonly string[] = SCORE_COLUMNS): string {
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
    reasons: reasonsJsonSql(c.reasons, 'r'),
    ...TREND_SELECT,
  };
  return columns.map((col) => `${expr[col] ?? `s.${quoteIdent(col)}`} AS ${quoteIdent(col)}`).join(', ');
}

/**
 * FROM clause pairing staged rows `s` with their lead ids `i`, their reasons `r` and the phrases of their `reasons`
 * reason slots (0: none, and no reasons table read) and, when `trend`, their trend `t` (lead_scores' columns; history
 * has none).
 */
export function scoredRowsSql(tables: ScoreTables, reasons: number, trend: boolean): string {
  const reasonRows = reasons > 0 ? ` JOIN ${quoteIdent(tables.reasons)} r ON r.rn = s.rn` : '';
  const joins = reasonsJoinSql(reasons, 'r', tables.phraseJoin);
  const trendJoin = trend ? ` LEFT JOIN ${quoteIdent(tables.trend)} t ON t.rn = s.rn` : '';
  const staged = `${quoteIdent(tables.staging)} s JOIN ${quoteIdent(tables.ids)} i ON i.rn = s.rn`;
  return `${staged}${reasonRows} ${joins}${trendJoin}`;
}

const DAY_MS = 86_400_000;

/**
 * Each scored lead's trend, from what earlier runs wrote, by staged row number: its previous score and date (the
 * lead's row in lead_scores when it is from an earlier as_of; a re-run of the same as_of keeps that row's own
 * previous), and its score in the latest run 7 to 14 days before this one's as_of (from lead_score_history, read
 * only for those dates). Made before the new rows replace the old.
 */
export async function stageTrend(w: Warehouse, tables: Pick<ScoreTables, 'ids' | 'trend'>, asOf: Date): Promise<void> {
  const ts = (d: Date) => `epoch_ms(${Math.round(d.getTime())}::BIGINT)`;
  const at = ts(asOf);
  const scores = (await w.tableExists('lead_scores')) ? await w.tableColumns('lead_scores') : [];
  const carried = TREND_COLUMNS.every((c) => scores.includes(c));
  const previousOf = (value: string, carry: string, type: string) =>
    scores.length === 0
      ? `CAST(NULL AS ${type})`
      : `CASE WHEN ls.as_of < ${at} THEN ls.${value} ${carried ? `WHEN ls.as_of = ${at} THEN ls.${carry} ` : ''}END`;
  const previous = previousOf('score', 'previous_score', 'INTEGER');
  const previousAt = previousOf('as_of', 'previous_as_of', 'TIMESTAMP');
  const history = await w.tableExists('lead_score_history');
  const from = ts(new Date(asOf.getTime() - 14 * DAY_MS));
  const to = ts(new Date(asOf.getTime() - 7 * DAY_MS));
  const weekAgo = history
    ? `LEFT JOIN (
         SELECT lead_id, score FROM lead_score_history WHERE as_of BETWEEN ${from} AND ${to}
         QUALIFY row_number() OVER (PARTITION BY lead_id ORDER BY as_of DESC, scored_at DESC) = 1
       ) h ON h.lead_id = i.lead_id`
    : '';
  await w.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdent(tables.trend)} AS
     SELECT i.rn, ${previous} AS previous_score, ${previousAt} AS previous_as_of,
            ${history ? 'h.score' : 'CAST(NULL AS INTEGER)'} AS score_7d
     FROM ${quoteIdent(tables.ids)} i
     ${scores.length ? 'LEFT JOIN lead_scores ls ON ls.lead_id = i.lead_id' : ''}
     ${weekAgo}`,
  );
}

/**
 * Stage every row's numbers: chunk by chunk, JavaScript computes them (blend, calibration, score, band, percentile)
 * and appends them as block copies to the TEMP staging table; then the rows' trend from earlier runs.
 */
export async function stageScores(
  w: Warehouse,
  tables: ScoreTables,
  constants: RunConstants,
  chunks: ChunkSource,
  progress: Progress,
): Promise<void> {
  await w.run(tempTableDdl(quoteIdent(tables.staging), STAGED_COLUMN_TYPES));
  for (let from = 0; from < chunks.rows; from += CHUNK) {
    const to = Math.min(chunks.rows, from + CHUNK);
    await w.appendColumns(tables.staging, chunks.chunk(from, to));
    progress(to);
  }
  await stageTrend(w, tables, constants.asOf);
}
