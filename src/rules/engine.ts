import { DataError } from '../errors.ts';
import { quoteIdent, swapTable, type Warehouse } from '../store/index.ts';
import { compileRules } from './compile.ts';
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
  /** JSON list of the rules that fired: [{"rule": name, "points": n}, ...] */
  fired: string[];
}

/** Columns of the table `scoreRules` writes with `into`. */
export const RULE_SCORE_COLUMNS = [
  'lead_id', 'as_of', 'fit', 'engagement', 'negative', 'total', 'band', 'colour', 'grade', 'mql', 'sql', 'excluded', 'exclusion_reason', 'fired',
] as const;

/** Score leads with a rule set in one DuckDB query, as of one date or for a table of (lead_id, as_of) pairs. */
export async function scoreRules(w: Warehouse, rules: RuleSet, opts: ScoreRulesOptions): Promise<RuleScores> {
  const leads = opts.leads ?? 'open';
  if ((opts.asOf === undefined) === (opts.pairsTable === undefined)) {
    throw new DataError('scoreRules needs exactly one of asOf or pairsTable', 'pass { asOf: date } to score all leads, or { pairsTable } with lead_id, as_of columns');
  }
  if (opts.asOf && Number.isNaN(opts.asOf.getTime())) throw new DataError('scoreRules: asOf is not a valid date');
  await requireTables(w, leads === 'open' ? ['leads', 'activities', 'outcomes'] : ['leads', 'activities']);
  if (opts.pairsTable) {
    const cols = await w.tableColumns(opts.pairsTable);
    if (!cols.includes('lead_id') || !cols.includes('as_of')) {
      throw new DataError(`table ${opts.pairsTable} must have columns lead_id and as_of (it has: ${cols.join(', ') || 'no such table'})`);
    }
  }
  const query = compileRules(rules, { asOf: opts.asOf, pairsTable: opts.pairsTable, leads });
  let source = `(${query})`;
  if (opts.into) {
    const staging = `${opts.into}__staging`;
    await w.run(`CREATE OR REPLACE TABLE ${quoteIdent(staging)} AS ${query}`);
    await swapTable(w, staging, opts.into);
    source = quoteIdent(opts.into);
  }
  const cols = await w.columns(
    `SELECT lead_id, epoch_ms(as_of)::DOUBLE AS as_of_ms, fit, engagement, negative, total, band, colour, grade,
       mql::UTINYINT AS mql, "sql"::UTINYINT AS "sql", excluded::UTINYINT AS excluded, exclusion_reason, fired
     FROM ${source} ORDER BY lead_id, as_of`,
  );
  return {
    ids: cols.lead_id as string[],
    asOf: Float64Array.from(cols.as_of_ms as number[]),
    fit: Float64Array.from(cols.fit as number[]),
    engagement: Float64Array.from(cols.engagement as number[]),
    negative: Float64Array.from(cols.negative as number[]),
    total: Float64Array.from(cols.total as number[]),
    band: cols.band as string[],
    colour: cols.colour as string[],
    grade: cols.grade as string[],
    mql: Uint8Array.from(cols.mql as number[]),
    sql: Uint8Array.from(cols.sql as number[]),
    excluded: Uint8Array.from(cols.excluded as number[]),
    exclusionReason: cols.exclusion_reason as Array<string | null>,
    fired: cols.fired as string[],
  };
}

async function requireTables(w: Warehouse, names: string[]): Promise<void> {
  for (const t of names) {
    if (!(await w.tableExists(t))) {
      throw new DataError(`warehouse ${w.path} has no ${t} table`, 'load data first with `leadscore ingest` or `leadscore generate`, or pass the right --db');
    }
  }
}
