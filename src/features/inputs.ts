import { quoteIdent, quoteLiteral } from '../store/index.ts';
import { FIRST_WON_SQL, KEYED_CLASSIFIERS, openByFirstWonSql, wonAtSql } from '../schema/index.ts';
import {
  activityCodeSql,
  activityPlan,
  leadColumns,
  leadFeatureSql,
  type CompileOptions,
  type FeatureInputs,
} from './compile.ts';
import type { FeatureSpec } from './spec.ts';

/**
 * The inputs of a feature build, computed once and read by every chunk's query (compile.ts): each lead's row
 * features under an integer lead number li, the snapshot pairs kept, and the activities some pair can see. Joins
 * and sorts by the integer li are cheaper than by the lead_id text, and storing pairs and activities in li order
 * lets a chunk read only its own row groups.
 */

/** SQL statements creating the build's input temp tables `t` (run in order). */
export function featureInputsSql(spec: FeatureSpec, opts: CompileOptions, t: FeatureInputs): string[] {
  const plan = activityPlan(spec);
  const out = [leadsSql(spec, opts, t.leads), pairsSql(opts, t)];
  if (opts.withLabels)
    out.push(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(t.won)} AS
SELECT l.li, ${wonAtSql('o')} AS won_at FROM outcomes o JOIN ${quoteIdent(t.leads)} l ON l.lead_id = o.lead_id
WHERE o.status = 'won' ORDER BY l.li`);
  if (plan.features.length > 0) {
    const typeFilter = plan.types ? ` AND a.activity_type IN (${plan.types.map(quoteLiteral).join(', ')})` : '';
    // Only activities before the lead's last as_of can feed a row; the bursts' look-back windows of those
    // activities hold only earlier ones, so dropping the later ones changes no value.
    out.push(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(t.activities)} AS
SELECT l.li, a.occurred_at, ${activityCodeSql(plan)} AS tc
FROM ${quoteIdent(opts.activitySource)} a JOIN (
  SELECT p.li, l.lead_id, max(p.as_of) AS last FROM ${quoteIdent(t.pairs)} p JOIN ${quoteIdent(t.leads)} l
    ON l.li = p.li GROUP BY p.li, l.lead_id
) l ON l.lead_id = a.lead_id AND a.occurred_at < l.last${typeFilter}
ORDER BY l.li`);
  }
  return out;
}

// The leads with li and one column per lead-level (and expression) feature. The title and email classifiers are
// dozens of string tests each: they run once per distinct key (title, domain) and the answers are joined back;
// classes of the same key share one dictionary.
function leadsSql(spec: FeatureSpec, opts: CompileOptions, into: string): string {
  const byName = new Map(spec.features.map((f) => [f.name, f]));
  const cols = [...leadColumns(spec)].map(([n, a]) => {
    const f = byName.get(n)!;
    if (f.type !== 'expr') return `${leadFeatureSql(spec, f)} AS ${a}`;
    return opts.exprTable ? `e.${quoteIdent(f.name)} AS ${a}` : `NULL AS ${a}`;
  });
  const classes = [
    ['_seniority', 'seniority'],
    ['_department', 'department'],
    ['_email_kind', 'email_domain_kind'],
  ] as const;
  const dictionaries = new Map<string, { name: string; cols: string[] }>();
  const classCols = classes.map(([col, cls]) => {
    const c = KEYED_CLASSIFIERS[cls];
    const keySql = c.key('l');
    let d = dictionaries.get(keySql);
    if (!d) dictionaries.set(keySql, (d = { name: `dict_${dictionaries.size}`, cols: [] }));
    d.cols.push(`${c.classify('k', spec.competitor_domains)} AS ${col}`);
    return `${d.name}.${col}`;
  });
  const dictCtes = [...dictionaries].map(
    ([keySql, d]) => `${d.name} AS (
  SELECT k, ${d.cols.join(', ')} FROM (SELECT DISTINCT ${keySql} AS k FROM leads l)
)`,
  );
  const dictionaryJoins = [...dictionaries]
    .map(([keySql, d]) => `LEFT JOIN ${d.name} ON ${d.name}.k IS NOT DISTINCT FROM ${keySql}`)
    .join(' ');
  const expr = opts.exprTable ? ` LEFT JOIN ${quoteIdent(opts.exprTable)} e ON e.lead_id = lr.lead_id` : '';
  const open = opts.leads === 'open';
  const won = open ? ` LEFT JOIN (${FIRST_WON_SQL}) w ON w.lead_id = lr.lead_id` : '';
  const head = ['lr.lead_id', 'lr.created_at', ...(open ? ['w.first_won_at'] : []), ...cols];
  // li is the lead's row id plus one, not a row_number(): numbering rows in scan order is a streaming window, which
  // DuckDB runs on one thread, and it held this whole statement to one (1.2 s of wall for 1.4 CPU s at 1M leads)
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
WITH ${dictCtes.join(',\n')}
SELECT (lr._ls_row + 1)::INTEGER AS li, ${head.join(',\n  ')}
FROM (
  SELECT l.rowid AS _ls_row, l.*, ${classCols.join(', ')}
  FROM leads l
    ${dictionaryJoins}
) lr${expr}${won}`;
}

// The snapshot pairs kept: a lead exists from its creation on (created_at <= as_of): a pair at created_at itself is
// the lead at creation (`snapshots: {every: created}`). The pairs table decides who is looked at: date snapshots and
// scoring take only leads created strictly before their date. bid numbers the pair (rn when given). Pairs are made
// distinct by the integer li rather than the lead_id text (the same pairs: li and lead_id are one to one).
function pairsSql(opts: CompileOptions, t: FeatureInputs): string {
  const open = opts.leads === 'open' ? `AND ${openByFirstWonSql('l.first_won_at', 'p.as_of')}` : '';
  const rn = opts.rowNumbers ? ', p.rn' : '';
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(t.pairs)} AS
SELECT ${opts.rowNumbers ? 'rn' : 'row_number() OVER ()'} AS bid, li, as_of FROM (
  SELECT DISTINCT l.li, p.as_of${rn}
  FROM (SELECT lead_id, CAST(as_of AS TIMESTAMP) AS as_of${rn.replace('p.', '')} FROM ${quoteIdent(opts.pairs)}) p
    JOIN ${quoteIdent(t.leads)} l ON l.lead_id = p.lead_id
  WHERE l.created_at <= p.as_of ${open}
)
ORDER BY li`;
}
