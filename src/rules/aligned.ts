/**
 * The rule score of exactly the rows of a pairs table (lead_id, as_of), in the order the feature
 * frame has them: what training, scoring and comparison put beside the model's predictions. One
 * query shape for all three, so a lead's rule score never depends on which command asked.
 */
import { DataError } from '../errors.ts';
import { quoteIdent, type Warehouse } from '../store/index.ts';
import { compileRules } from './compile.ts';
import { ruleBandDecoder, ruleGradeDecoder, ruleMqlDecoder } from './engine.ts';
import type { RuleSet } from './types.ts';

/** Rule results per row of a pairs table, in the requested order. */
export interface AlignedRuleScores {
  total: Float64Array;
  band: string[];
  grade: string[];
  mql: Uint8Array;
  /** JSON list of the rules that fired, per row (only with `withFired`) */
  fired?: string[];
}

/** Options of alignedRuleScores. */
export interface AlignedRuleOptions {
  /** table with lead_id and as_of (and rn when ordered by it) */
  pairs: string;
  /** the frame's row order: by snapshot then lead (training, comparison), or by the pairs' rn (scoring) */
  order: 'as_of, lead_id' | 'rn';
  /**
   * every pair shares this as_of: the rules score every lead as of it in one pass (cheaper than per
   * pair when most leads are scored)
   */
  asOf?: Date;
  withFired?: boolean;
}

/**
 * Rule scores for the rows of `pairs`; leads the rules did not score (created at or after as_of) get
 * total 0, band "unscored", grade "" and mql 0.
 */
export async function alignedRuleScores(
  w: Warehouse,
  rules: RuleSet,
  opts: AlignedRuleOptions,
): Promise<AlignedRuleScores> {
  const codes = compileRules(rules, {
    ...(opts.asOf ? { asOf: opts.asOf } : { pairsTable: opts.pairs }),
    leads: 'all',
    output: 'codes',
    ordered: false, // the join below puts the rows in the frame's order
    fired: opts.withFired,
  });
  const on = opts.asOf ? 'r.lead_id = f.lead_id' : 'r.lead_id = f.lead_id AND r.as_of_ms = epoch_ms(f.as_of)::DOUBLE';
  const order = opts.order === 'rn' ? 'f.rn' : 'f.as_of, f.lead_id';
  const sql = `WITH r AS (${codes})
     SELECT coalesce(r.total, 0)::DOUBLE AS total, coalesce(r.code, -1)::INTEGER AS code
       ${opts.withFired ? ", coalesce(r.fired, '[]') AS fired" : ''}
     FROM ${quoteIdent(opts.pairs)} f LEFT JOIN r ON ${on} ORDER BY ${order}`;
  const cols = opts.withFired ? await w.columns(sql) : await w.numericColumns(sql);
  const total = Float64Array.from(cols.total as ArrayLike<number>);
  const code = cols.code as ArrayLike<number>;
  const n = total.length;
  const bandOf = ruleBandDecoder(rules);
  const gradeOf = ruleGradeDecoder(rules);
  const mqlOf = ruleMqlDecoder();
  const out: AlignedRuleScores = { total, band: new Array(n), grade: new Array(n), mql: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const c = code[i];
    if (c < 0) {
      out.band[i] = 'unscored';
      out.grade[i] = '';
      continue;
    }
    out.band[i] = bandOf(c);
    out.grade[i] = gradeOf(c);
    out.mql[i] = mqlOf(c);
  }
  if (opts.withFired) out.fired = cols.fired as string[];
  const expected = await w.count(opts.pairs);
  if (n !== expected) {
    throw new DataError(
      `${n} rule scores for ${expected} rows of ${opts.pairs}: lead ids in leads must be unique`,
      'check the leads table for duplicate lead_id values',
    );
  }
  return out;
}
