import { quoteIdent, quoteLiteral } from '../store/index.ts';
import { ATTRIBUTES } from './attributes.ts';
import { engagementTypes, groupOf, type ActivityCriterion, type AttributeMatch, type RuleSet } from './types.ts';

/** What to score: one cutoff for every lead, or a table of (lead_id, as_of) snapshots. */
export interface CompileOptions {
  asOf?: Date;
  pairsTable?: string;
  /** open: skip leads already won before as_of; all: score every lead created before as_of */
  leads: 'open' | 'all';
  /** restrict to one lead (explain) */
  leadId?: string;
  /** also return per-rule columns p<i> (points), raw<i> (before decay), n<i> (events), and group subtotals */
  detail?: boolean;
}

const DAY_US = 86_400_000_000;

/** SQL timestamp literal for a UTC instant. */
export function timestampSql(d: Date): string {
  return `TIMESTAMP ${quoteLiteral(d.toISOString().replace('T', ' ').replace('Z', ''))}`;
}

const num = (x: number) => {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  return String(x);
};
const sumOf = (cols: string[]) => (cols.length ? cols.join(' + ') : '0');

/**
 * Compile a rule set to ONE DuckDB query returning a row per (lead_id, as_of): fit, engagement,
 * negative, total, band, colour, grade, mql, sql, excluded, exclusion_reason, fired (JSON).
 * Point in time: only leads created before as_of and activities that occurred before it count.
 */
export function compileRules(rules: RuleSet, opts: CompileOptions): string {
  if ((opts.asOf === undefined) === (opts.pairsTable === undefined)) throw new Error('compileRules: give exactly one of asOf or pairsTable');
  const asOfSql = opts.asOf ? timestampSql(opts.asOf) : 'p.as_of::TIMESTAMP';
  const crit = rules.criteria;
  const activityCrit = crit.map((c, i) => [c, i] as const).filter((x): x is readonly [ActivityCriterion, number] => x[0].kind === 'activity');
  const engTypes = engagementTypes(rules);
  const needsEvents = activityCrit.length > 0 || crit.some((c) => c.kind === 'inactivity') || rules.decay.kind === 'linear';
  const decays = rules.decay.kind === 'half_life';

  // --- snapshots: one row per (lead, as_of) with the attributes the rules test
  const attrs = [...new Set([...crit.flatMap((c) => (c.kind === 'attribute' ? [c.attribute] : [])), ...rules.exclusions.map((e) => e.attribute)])];
  const attrCols = attrs.map((a) => `${ATTRIBUTES[a].sql(rules.competitorDomains)} AS ${quoteIdent(`a_${a}`)}`);
  const where = [`l.created_at < ${asOfSql}`];
  if (opts.leadId !== undefined) where.push(`l.lead_id = ${quoteLiteral(opts.leadId)}`);
  if (opts.leads === 'open') {
    where.push(`NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.lead_id AND o.status = 'won' AND coalesce(o.closed_at, o.created_at) < ${asOfSql})`);
  }
  const ctes: string[] = [];
  ctes.push(`snap AS (
  SELECT l.lead_id, ${asOfSql} AS as_of, l.created_at${attrCols.map((c) => `,\n    ${c}`).join('')}
  FROM leads l${opts.pairsTable ? ` JOIN ${quoteIdent(opts.pairsTable)} p ON p.lead_id = l.lead_id` : ''}
  WHERE ${where.join('\n    AND ')}
)`);

  // --- events: activities before as_of, only the types the rules name, with age and decay factor
  const joins: string[] = [];
  if (needsEvents) {
    const types = [...new Set([...activityCrit.flatMap(([c]) => c.activities), ...engTypes])];
    const age = `(epoch_us(s.as_of) - epoch_us(a.occurred_at)) / ${DAY_US}.0`;
    const decay = decays ? `pow(0.5, ${age} / ${num((rules.decay as { days: number }).days)})` : '1.0';
    const typeFilter = types.length ? `a.activity_type IN (${types.map(quoteLiteral).join(', ')})` : 'false';
    ctes.push(`ev AS (
  SELECT s.lead_id, s.as_of, a.activity_type AS t, a.occurred_at AS ts, ${age} AS age, ${decay} AS d
  FROM snap s JOIN activities a ON a.lead_id = s.lead_id AND a.occurred_at < s.as_of
  WHERE ${typeFilter}${opts.asOf ? ` AND a.occurred_at < ${asOfSql}` : ''}
)`);
    const aggCols: string[] = [];
    for (const [c, i] of activityCrit) {
      if (c.per === 'window') continue;
      const cond = eventCondition(c);
      const positive = c.points > 0 && decays; // negative points never decay
      aggCols.push(`count(*) FILTER (WHERE ${cond}) AS n${i}`);
      let units: string;
      if (c.per === 'once') units = positive ? `max(d) FILTER (WHERE ${cond})` : `(count(*) FILTER (WHERE ${cond}) > 0)::INTEGER`;
      else if (c.maxCount !== undefined) {
        // the most recent events count first, and decay makes them the biggest
        units = positive
          ? `list_sum(list_slice(list_reverse_sort(list(d) FILTER (WHERE ${cond})), 1, ${c.maxCount}))`
          : `least(count(*) FILTER (WHERE ${cond}), ${c.maxCount})`;
      } else units = positive ? `sum(d) FILTER (WHERE ${cond})` : `count(*) FILTER (WHERE ${cond})`;
      aggCols.push(`${units} AS v${i}`);
    }
    const engFilter = engTypes.length ? `t IN (${engTypes.map(quoteLiteral).join(', ')})` : 'false';
    aggCols.push(`max(ts) FILTER (WHERE ${engFilter}) AS last_engaged`);
    ctes.push(`agg AS (
  SELECT lead_id, as_of, ${aggCols.join(',\n    ')}
  FROM ev GROUP BY lead_id, as_of
)`);
    joins.push('LEFT JOIN agg ON agg.lead_id = s.lead_id AND agg.as_of = s.as_of');
    for (const [c, i] of activityCrit) {
      if (c.per !== 'window') continue;
      const { count, days } = c.window!;
      const positive = c.points > 0 && decays;
      // an event completes a window when the (count-1)th event before it is at most `days` older
      ctes.push(`w${i} AS (
  SELECT lead_id, as_of, count(*) AS n${i}, ${positive ? 'max(d)' : '1'} AS v${i}
  FROM (SELECT lead_id, as_of, ts, d, lag(ts, ${count - 1}) OVER (PARTITION BY lead_id, as_of ORDER BY ts) AS prev
        FROM ev WHERE ${eventCondition(c)})
  WHERE prev IS NOT NULL AND epoch_us(ts) - epoch_us(prev) <= ${num(days)} * ${DAY_US}
  GROUP BY lead_id, as_of
)`);
      joins.push(`LEFT JOIN w${i} ON w${i}.lead_id = s.lead_id AND w${i}.as_of = s.as_of`);
    }
  }

  // --- per-rule points
  const inactiveDays = needsEvents
    ? `(epoch_us(s.as_of) - epoch_us(greatest(s.created_at, coalesce(agg.last_engaged, s.created_at)))) / ${DAY_US}.0`
    : `(epoch_us(s.as_of) - epoch_us(s.created_at)) / ${DAY_US}.0`;
  const perCols: string[] = [];
  crit.forEach((c, i) => {
    const pts = num(c.points);
    if (c.kind === 'attribute') {
      perCols.push(`CASE WHEN ${matchSql(c.attribute, c.match)} THEN ${pts} ELSE 0 END AS p${i}`);
      if (opts.detail) perCols.push(`p${i} AS raw${i}`, `(p${i} <> 0)::INTEGER AS n${i}`);
    } else if (c.kind === 'inactivity') {
      perCols.push(`CASE WHEN inactive_days >= ${num(c.days)} THEN ${pts} ELSE 0 END AS p${i}`);
      if (opts.detail) perCols.push(`p${i} AS raw${i}`, `(p${i} <> 0)::INTEGER AS n${i}`);
    } else {
      const src = c.per === 'window' ? `w${i}` : 'agg';
      perCols.push(`round(${pts} * coalesce(${src}.v${i}, 0), 2) AS p${i}`);
      if (opts.detail) {
        const n = `coalesce(${src}.n${i}, 0)`;
        const rawUnits = c.per === 'event' ? (c.maxCount !== undefined ? `least(${n}, ${c.maxCount})` : n) : `(${n} > 0)::INTEGER`;
        perCols.push(`${pts} * ${rawUnits} AS raw${i}`, `${n} AS n${i}`);
      }
    }
  });
  const exclusion = rules.exclusions.length
    ? `CASE ${rules.exclusions.map((e) => `WHEN ${matchSql(e.attribute, e.match)} THEN ${quoteLiteral(e.reason)}`).join(' ')} END`
    : 'NULL::VARCHAR';
  ctes.push(`per AS (
  SELECT s.lead_id, s.as_of, ${inactiveDays} AS inactive_days, ${exclusion} AS exclusion_reason${perCols.map((c) => `,\n    ${c}`).join('')}
  FROM snap s ${joins.join(' ')}
)`);

  // --- groups, caps, floor
  const cols = (g: string) => crit.flatMap((c, i) => (groupOf(c) === g ? [`p${i}`] : []));
  const loss = rules.decay.kind === 'linear' ? `${num(rules.decay.points)} * floor(inactive_days / ${num(rules.decay.everyDays)})` : '0';
  const { caps } = rules;
  ctes.push(`grp AS (
  SELECT *, round(${sumOf(cols('fit'))}, 2) AS fit_raw, round(${sumOf(cols('engagement'))}, 2) AS engagement_raw,
    round(${sumOf(cols('negative'))}, 2) AS negative_raw, round(${loss}, 2) AS linear_loss
  FROM per
)`);
  ctes.push(`capped AS (
  SELECT *, least(fit_raw, ${num(caps.fit)}) AS fit,
    round(greatest(least(engagement_raw, ${num(caps.engagement)}) - linear_loss, 0), 2) AS engagement,
    greatest(negative_raw, -${num(caps.negative)}) AS negative
  FROM grp
)`);
  ctes.push(`scored AS (
  SELECT *, exclusion_reason IS NOT NULL AS excluded,
    CASE WHEN exclusion_reason IS NOT NULL THEN 0 ELSE round(least(greatest(fit + engagement + negative, 0), ${num(caps.total)}), 2) END AS total
  FROM capped
)`);

  const bandCase = (field: 'name' | 'colour', excludedValue: string) =>
    `CASE WHEN excluded THEN ${quoteLiteral(excludedValue)} ${rules.bands.map((b) => `WHEN total >= ${num(b.min)} THEN ${quoteLiteral(b[field])}`).join(' ')} END`;
  const fitGrade = `CASE ${rules.grades.fit.map((g) => `WHEN fit >= ${num(g.min)} THEN ${quoteLiteral(g.grade)}`).join(' ')} END`;
  const level = `CASE ${rules.grades.engagement.map((g) => `WHEN engagement >= ${num(g.min)} THEN '${g.level}'`).join(' ')} END`;
  const fired = crit.length
    ? `to_json(list_filter([${crit.map((c, i) => `{'rule': ${quoteLiteral(c.name)}, 'points': p${i}::DOUBLE}`).join(', ')}], x -> x.points <> 0))::VARCHAR`
    : `'[]'`;
  const detailCols = opts.detail
    ? `, fit_raw, engagement_raw, negative_raw, linear_loss, inactive_days${crit.map((_, i) => `, p${i}, raw${i}, n${i}`).join('')}`
    : '';
  return `WITH ${ctes.join(',\n')}
SELECT lead_id, as_of, fit::DOUBLE AS fit, engagement::DOUBLE AS engagement, negative::DOUBLE AS negative, total::DOUBLE AS total,
  ${bandCase('name', 'excluded')} AS band, ${bandCase('colour', EXCLUDED_COLOUR)} AS colour,
  CASE WHEN excluded THEN 'X' ELSE ${fitGrade} || ${level} END AS grade,
  NOT excluded AND total >= ${num(rules.thresholds.mql)} AS mql, NOT excluded AND total >= ${num(rules.thresholds.sql)} AS "sql",
  excluded, exclusion_reason, ${fired} AS fired${detailCols}
FROM scored
ORDER BY lead_id, as_of`;
}

/** Colour of the `excluded` band. */
export const EXCLUDED_COLOUR = 'grey';

function eventCondition(c: ActivityCriterion): string {
  const t = c.activities.length === 1 ? `t = ${quoteLiteral(c.activities[0])}` : `t IN (${c.activities.map(quoteLiteral).join(', ')})`;
  return c.withinDays !== undefined ? `${t} AND age <= ${num(c.withinDays)}` : t;
}

/** SQL boolean (never NULL) for an attribute condition over the snapshot column a_<attribute>. */
export function matchSql(attribute: string, m: AttributeMatch): string {
  const def = ATTRIBUTES[attribute];
  const x = `s.${quoteIdent(`a_${attribute}`)}`;
  const norm = `lower(trim(${x}))`;
  const lits = (xs: string[]) => xs.map((v) => quoteLiteral(v.toLowerCase())).join(', ');
  const parts: string[] = [];
  if (m.in) parts.push(`coalesce(${norm} IN (${lits(m.in)}), false)`);
  if (m.notIn) parts.push(`coalesce(${norm} NOT IN (${lits(m.notIn)}), true)`);
  if (m.contains) parts.push(`coalesce(${m.contains.map((k) => `contains(${norm}, ${quoteLiteral(k.toLowerCase())})`).join(' OR ')}, false)`);
  if (m.min !== undefined) parts.push(`coalesce(${x} >= ${num(m.min)}, false)`);
  if (m.max !== undefined) parts.push(`coalesce(${x} <= ${num(m.max)}, false)`);
  if (m.missing !== undefined) {
    const isMissing = def.values ? `${x} = 'missing'` : def.type === 'number' ? `${x} IS NULL` : `(${x} IS NULL OR trim(${x}) = '')`;
    parts.push(m.missing ? isMissing : `NOT (${isMissing})`);
  }
  return `(${parts.join(' AND ')})`;
}
