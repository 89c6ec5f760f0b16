import { DataError } from '../errors.ts';
import { quoteIdent, swapTable, type Warehouse } from '../store/index.ts';
import { CODE, EXCLUDED_COLOUR, compileRules, decodeSql } from './compile.ts';
import type { RuleSet } from './types.ts';

/** Options for scoreRules: exactly one of asOf / pairsTable. */
export interface ScoreRulesOptions {
  /** score every lead as of this instant */
  asOf?: Date;
  /** or score each (lead_id, as_of) row of this table (the training pipeline's snapshots) */
  pairsTable?: string;
  /** open (default): skip leads already won before as_of; all: every lead created before as_of */
  leads?: 'open' | 'all';
  /** also write the scores to this table (replaced whole, write-then-swap) */
  into?: string;
  /** also return the fired-rules JSON per lead (always written with `into`; off by default because it is big) */
  fired?: boolean;
}

/** Rule scores, one entry per scored (lead, as_of), ordered by lead_id then as_of. */
export interface RuleScores {
  ids: string[];
  /** as_of as epoch milliseconds (UTC) */
  asOf: Float64Array;
  fit: Float64Array;
  engagement: Float64Array;
  /** zero or negative */
  negative: Float64Array;
  /** 0..100 */
  total: Float64Array;
  /** hot / warm / cold / dead (as configured) or excluded */
  band: string[];
  /** traffic-light colour of the band */
  colour: string[];
  /** fit grade A-D + engagement level 1-4, e.g. "B2"; "X" when excluded */
  grade: string[];
  mql: Uint8Array;
  sql: Uint8Array;
  excluded: Uint8Array;
  /** why a lead was excluded, else null */
  exclusionReason: Array<string | null>;
  /** JSON list of the rules that fired: [{"rule": name, "points": n}, ...]; only with `fired: true` or `into` */
  fired?: string[];
}

/** Columns of the table `scoreRules` writes with `into`. */
export const RULE_SCORE_COLUMNS = [
  'lead_id',
  'as_of',
  'fit',
  'engagement',
  'negative',
  'total',
  'band',
  'colour',
  'grade',
  'mql',
  'sql',
  'excluded',
  'exclusion_reason',
  'fired',
] as const;

/** Score leads with a rule set in one DuckDB query, as of one date or for a table of (lead_id, as_of) pairs. */
export async function scoreRules(w: Warehouse, rules: RuleSet, opts: ScoreRulesOptions): Promise<RuleScores> {
  const leads = opts.leads ?? 'open';
  if ((opts.asOf === undefined) === (opts.pairsTable === undefined)) {
    throw new DataError(
      'scoreRules needs exactly one of asOf or pairsTable',
      'pass { asOf: date } to score all leads, or { pairsTable } with lead_id, as_of columns',
    );
  }
  if (opts.asOf && Number.isNaN(opts.asOf.getTime())) throw new DataError('scoreRules: asOf is not a valid date');
  await requireTables(w, leads === 'open' ? ['leads', 'activities', 'outcomes'] : ['leads', 'activities']);
  if (opts.pairsTable) {
    const cols = await w.tableColumns(opts.pairsTable);
    if (!cols.includes('lead_id') || !cols.includes('as_of')) {
      throw new DataError(
        `table ${opts.pairsTable} must have columns lead_id and as_of (it has: ${cols.join(', ') || 'no such table'})`,
      );
    }
  }
  const codesQuery = compileRules(rules, {
    asOf: opts.asOf,
    pairsTable: opts.pairsTable,
    leads,
    output: 'codes',
    fired: Boolean(opts.into || opts.fired),
  });
  let source = `(${codesQuery})`;
  if (opts.into) {
    // compute once into a temp table; the readable table is decoded from it, then swapped in whole
    const codes = `${opts.into}__codes`;
    const staging = `${opts.into}__staging`;
    await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(codes)} AS ${codesQuery}`);
    await w.run(`CREATE OR REPLACE TABLE ${quoteIdent(staging)} AS ${decodeSql(rules, codes)}`);
    await swapTable(w, staging, opts.into);
    source = quoteIdent(codes);
  }
  try {
    const cols = await w.columns(`SELECT * FROM ${source}`);
    return decode(rules, cols, opts.asOf);
  } finally {
    if (opts.into) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(`${opts.into}__codes`)}`);
  }
}

const bits = (c: number, at: number, width: number) => (c >> at) & ((1 << width) - 1);

/** Band name of a packed rule code (the codes query's `code` column); "excluded" for excluded leads. */
export function ruleBandDecoder(rules: RuleSet): (code: number) => string {
  const bandNames = ['excluded', ...rules.bands.map((b) => b.name)];
  return (c) => bandNames[bits(c, CODE.band, 4)];
}

/** Grade ("B2", or "X" when excluded) of a packed rule code; the strings are shared, not made per lead. */
export function ruleGradeDecoder(rules: RuleSet): (code: number) => string {
  const grades = rules.grades.fit.map((g) => rules.grades.engagement.map((l) => `${g.grade}${l.level}`));
  return (c) => (bits(c, CODE.excluded, 1) ? 'X' : grades[bits(c, CODE.fitGrade, 4) - 1][bits(c, CODE.level, 4) - 1]);
}

/** MQL flag (0/1) of a packed rule code. */
export function ruleMqlDecoder(): (code: number) => number {
  return (c) => bits(c, CODE.mql, 1);
}

/** Unpack the codes query's columns into RuleScores (strings shared from the rules, not copied per lead). */
function decode(rules: RuleSet, cols: Record<string, unknown[]>, asOf: Date | undefined): RuleScores {
  const ids = cols.lead_id as string[];
  const n = ids.length;
  const code = cols.code as number[];
  const bandNames = ['excluded', ...rules.bands.map((b) => b.name)];
  const colours = [EXCLUDED_COLOUR, ...rules.bands.map((b) => b.colour)];
  const reasons = [null, ...rules.exclusions.map((e) => e.reason)];
  const out: RuleScores = {
    ids,
    asOf: cols.as_of_ms ? Float64Array.from(cols.as_of_ms as number[]) : new Float64Array(n).fill(asOf!.getTime()),
    fit: Float64Array.from(cols.fit as number[]),
    engagement: Float64Array.from(cols.engagement as number[]),
    negative: Float64Array.from(cols.negative as number[]),
    total: Float64Array.from(cols.total as number[]),
    band: new Array(n),
    colour: new Array(n),
    grade: new Array(n),
    mql: new Uint8Array(n),
    sql: new Uint8Array(n),
    excluded: new Uint8Array(n),
    exclusionReason: new Array(n),
  };
  const gradeOf = ruleGradeDecoder(rules);
  for (let i = 0; i < n; i++) {
    const c = code[i];
    const band = bits(c, CODE.band, 4);
    out.band[i] = bandNames[band];
    out.colour[i] = colours[band];
    out.excluded[i] = bits(c, CODE.excluded, 1);
    out.grade[i] = gradeOf(c);
    out.mql[i] = bits(c, CODE.mql, 1);
    out.sql[i] = bits(c, CODE.sql, 1);
    out.exclusionReason[i] = reasons[bits(c, CODE.exclusion, 8)];
  }
  if (cols.fired) out.fired = cols.fired as string[];
  return out;
}

async function requireTables(w: Warehouse, names: string[]): Promise<void> {
  for (const t of names) {
    if (!(await w.tableExists(t))) {
      throw new DataError(
        `warehouse ${w.path} has no ${t} table`,
        'load data first with `leadscore ingest` or `leadscore generate`, or pass the right --db',
      );
    }
  }
}
