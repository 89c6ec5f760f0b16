import {
  RULE_SCORE_COLUMNS,
  explainLead,
  loadRules,
  scoreRules,
  type LeadExplanation,
  type RuleScores,
} from '../rules/index.ts';
import { requireWarehouse, withWarehouse } from '../store/index.ts';
import { checkOutputName, claimOutputTable, recordOutputTable } from './output-tables.ts';

export type { LeadExplanation };

/**
 * The points model as the `rules` commands run it on a warehouse: score every lead as of a date (with
 * the distribution by band, grade and exclusion) and explain one lead. Checking a file: rules-check.ts.
 */

/** Options of a rule-scoring run over a warehouse. */
export interface RuleScoreRunOptions {
  db: string;
  /** rules YAML file */
  rules: string;
  asOf: Date;
  /** open: leave out leads won before as_of; all: keep them */
  leads: 'open' | 'all';
  /**
   * also write one row per lead to this table (replaced whole; never one of leadscore's own tables, see
   * output-tables.ts); without it the warehouse is only read
   */
  out?: string;
  /** overwrite `out` even when it is a table leadscore did not write */
  replace?: boolean;
}

/** How the scored leads spread over the rule set's bands, grades and exclusions. */
export interface RuleDistribution {
  leads: number;
  meanScore: number;
  mql: number;
  sql: number;
  bands: Array<{ band: string; colour: string; leads: number; share: string }>;
  /** one row per fit grade A-D, with a count per engagement level 1-4 */
  gradeMatrix: Array<Record<string, string | number>>;
  exclusions: Array<{ reason: string; leads: number }>;
}

/** Score every lead with the rules as of a date and summarize the distribution. */
export async function scoreWithRules(opts: RuleScoreRunOptions): Promise<RuleDistribution> {
  const ruleSet = loadRules(opts.rules);
  const target = {
    flag: '--out',
    command: 'rules score',
    replace: opts.replace === true,
    signature: RULE_SCORE_COLUMNS,
  };
  if (opts.out) checkOutputName(opts.out, target);
  requireWarehouse(opts.db); // a mistyped --db must not create an empty warehouse
  const scores = await withWarehouse(
    opts.db,
    async (w) => {
      if (opts.out) await claimOutputTable(w, opts.out, target);
      const s = await scoreRules(w, ruleSet, { asOf: opts.asOf, leads: opts.leads, into: opts.out });
      if (opts.out) await recordOutputTable(w, opts.out, 'rules score');
      return s;
    },
    { readOnly: !opts.out },
  );
  return distribution(scores, [
    ...ruleSet.bands.map((b): [string, string] => [b.name, b.colour]),
    ['excluded', 'grey'],
  ]);
}

/** Options of one lead's rule-score explanation. */
export interface RuleExplainOptions {
  db: string;
  rules: string;
  lead: string;
  asOf: Date;
}

/** Explain one lead's rule score: each rule that fired, its points, decay, caps and the total (read-only). */
export async function explainRuleScore(opts: RuleExplainOptions): Promise<LeadExplanation> {
  const ruleSet = loadRules(opts.rules);
  return withWarehouse(opts.db, (w) => explainLead(w, ruleSet, opts.lead, opts.asOf), { readOnly: true });
}

/** Counts by band (in the rule set's order), by grade (matrix), and by exclusion reason. */
function distribution(s: RuleScores, bandOrder: Array<[name: string, colour: string]>): RuleDistribution {
  const n = s.ids.length;
  const byBand = new Map<string, number>();
  const grades = new Map<string, number>();
  const reasons = new Map<string, number>();
  let sum = 0;
  let mql = 0;
  let sql = 0;
  for (let i = 0; i < n; i++) {
    byBand.set(s.band[i], (byBand.get(s.band[i]) ?? 0) + 1);
    grades.set(s.grade[i], (grades.get(s.grade[i]) ?? 0) + 1);
    if (s.excluded[i]) reasons.set(s.exclusionReason[i] ?? '', (reasons.get(s.exclusionReason[i] ?? '') ?? 0) + 1);
    sum += s.total[i];
    mql += s.mql[i];
    sql += s.sql[i];
  }
  const share = (k: number) => (n ? `${((100 * k) / n).toFixed(1)}%` : '0%');
  const bands = bandOrder.map(([band, colour]) => ({
    band,
    colour,
    leads: byBand.get(band) ?? 0,
    share: share(byBand.get(band) ?? 0),
  }));
  const gradeMatrix = ['A', 'B', 'C', 'D'].map((f) => ({
    fit: f,
    ...Object.fromEntries(['1', '2', '3', '4'].map((l) => [l, grades.get(f + l) ?? 0])),
  }));
  return {
    leads: n,
    meanScore: n ? sum / n : 0,
    mql,
    sql,
    bands,
    gradeMatrix,
    exclusions: [...reasons].map(([reason, leads]) => ({ reason, leads })),
  };
}
