import { quoteIdent, quoteLiteral } from '../store/index.ts';
import {
  companySizeBandSql,
  emailDomainSql,
  regionSql,
  revenueBandSql,
  orderFreeSumSql,
  inHorizonSql,
} from '../schema/index.ts';
import { activeFeatures, featureKind, type FeatureDef, type FeatureSpec } from './spec.ts';

/**
 * Features -> DuckDB SQL, in two parts. Once per build (inputs.ts): the leads with their lead-level features and an
 * integer lead number li; the snapshot pairs (lead_id, as_of) kept, only leads created before as_of (and, for
 * leads: 'open', not won before as_of); the activities some pair can see, with an integer type code. Then per chunk
 * of leads (compileFeatureQuery):
 *   ev    = pairs joined to activities with occurred_at < as_of
 *   act   = ev grouped by pair, one conditional aggregate per activity feature
 *   label = from outcomes in [as_of, as_of + horizon)
 * The strict `occurred_at < as_of` in the join is the only place activity time enters, and the
 * query also returns `_max_event_at` (latest activity time that fed the row) so the audit can prove it.
 */

export interface CompileOptions {
  /** table or view with (lead_id, as_of) snapshot pairs */
  pairs: string;
  withLabels: boolean;
  horizonDays: number;
  leads: 'open' | 'all';
  /** table holding expression results (lead_id, one column per expr feature), if any */
  exprTable?: string;
  /** activity source: `activities` */
  activitySource: string;
  /**
   * The pairs table has an INTEGER column `rn`, distinct per pair: it serves as the pair's row id (no
   * row_number() over the pairs) and comes out as column `rn`, so a reader can place each row by it
   * instead of sorting the table (scoring: rn is the lead's position, given once when picking leads).
   */
  rowNumbers?: boolean;
}

export const DAY_US = 86_400_000_000;

/** Activity types (expanded from groups) a feature refers to; undefined means every type. */
export function expandActivities(spec: FeatureSpec, names: readonly string[]): string[] | undefined {
  const out = new Set<string>();
  for (const n of names) {
    if (n === 'all') return undefined;
    const group = spec.activity_groups[n];
    if (group) group.forEach((t) => out.add(t));
    else out.add(n);
  }
  return [...out].sort();
}

/** The burst window lengths (seconds) the spec needs precomputed on the activity source. */
export function burstWindows(spec: FeatureSpec): number[] {
  const secs = new Set<number>();
  for (const f of activeFeatures(spec)) if (f.type === 'burst' && f.agg === 'max_in_window') secs.add(f.seconds);
  return [...secs].sort((a, b) => a - b);
}

/** Column name in the prepared activity table for "events within the last `s` seconds". */
export function burstColumn(s: number): string {
  return `_n_within_${String(s).replace('.', '_')}s`;
}

/** Every activity type any feature reads, or undefined when some feature reads all activities. */
export function referencedActivityTypes(spec: FeatureSpec): string[] | undefined {
  const all = new Set<string>();
  for (const f of activeFeatures(spec)) {
    if (f.type !== 'activity' && f.type !== 'burst') continue;
    const types = expandActivities(spec, f.activities);
    if (!types) return undefined;
    types.forEach((t) => all.add(t));
  }
  return [...all].sort();
}

// Activity types become small integer codes once per activity, so the many FILTER clauses compare integers, not
// strings.
export type TypeCodes = Map<string, number>;

function typePredicate(spec: FeatureSpec, names: readonly string[], codes: TypeCodes): string {
  const types = expandActivities(spec, names);
  if (!types) return 'TRUE';
  const ids = types.map((t) => codes.get(t) ?? -1);
  return ids.length === 1 ? `tc = ${ids[0]}` : `tc IN (${ids.join(', ')})`;
}

function typeCodeSql(codes: TypeCodes): string {
  if (codes.size === 0) return '0';
  return (
    `(CASE activity_type ${[...codes].map(([t, i]) => `WHEN ${quoteLiteral(t)} THEN ${i}`).join(' ')} ELSE ` + `-1 END)`
  );
}

function allTypeCodes(spec: FeatureSpec, features: FeatureDef[]): TypeCodes {
  const codes: TypeCodes = new Map();
  for (const f of features) {
    if (f.type !== 'activity' && f.type !== 'burst') continue;
    for (const t of expandActivities(spec, f.activities) ?? []) if (!codes.has(t)) codes.set(t, codes.size);
  }
  return codes;
}

// The conditional aggregate for one activity/burst feature, over rows (t, occurred_at, age_d, ...).
// Written as plain aggregates over CASE expressions, not FILTER clauses: DuckDB's cost for many FILTERed
// aggregates in one GROUP BY grows faster than their number (600 took 13 s, 1,000 over a minute), while plain
// aggregates grow linearly. Same values: a CASE without ELSE is NULL, which sum, min, max and count skip.
function activityAggregate(spec: FeatureSpec, f: FeatureDef, codes: TypeCodes): string {
  if (f.type === 'burst') {
    const p = typePredicate(spec, f.activities, codes);
    return f.agg === 'rapid_count'
      ? `count(CASE WHEN ${p} AND _gap_prev_s < ${f.seconds} THEN 1 END)`
      : `max(CASE WHEN ${p} THEN ${quoteIdent(burstColumn(f.seconds))} END)`;
  }
  if (f.type !== 'activity') throw new Error(`not an activity feature: ${f.name}`);
  const p = typePredicate(spec, f.activities, codes);
  const when = `${p}${f.window_days !== undefined ? ` AND age_d <= ${f.window_days}` : ''}`;
  const of = (x: string) => `CASE WHEN ${when} THEN ${x} END`;
  switch (f.agg) {
    case 'count':
    case 'any': // turned into 0/1 in the outer select
      return `count(${of('1')})`;
    case 'distinct_days': // computed per day in act_days instead (see dayFlag)
      return `count(DISTINCT ${of('day_n')})`;
    case 'days_since_last':
      return `min(${of('age_d')})`;
    case 'days_since_first':
      return `max(${of('age_d')})`;
    case 'decayed_sum':
      return orderFreeSumSql(of(`pow(0.5, age_d / ${f.half_life_days})`));
  }
}

// For a distinct_days feature: 1 on a (pair, day) with a matching event. Days are counted per pair from these
// flags (act_days) rather than by count(DISTINCT ...) per feature, since each DISTINCT aggregate costs DuckDB a
// hash table of its own (500 of them took 8 of a 3,000-feature query's 10 s). Same values.
function dayFlag(spec: FeatureSpec, f: FeatureDef, codes: TypeCodes): string {
  return `max(CASE WHEN ${dayPredicate(spec, f, codes)} THEN 1 END)`;
}

// The events a distinct_days feature counts the days of. act_days groups only the events some day feature counts:
// a (pair, day) group of other events has every flag NULL, which count() skips, and a pair with no counted event
// reads as 0 through the LEFT JOIN's coalesce either way. Same values, a fraction of the rows to group.
function dayPredicate(spec: FeatureSpec, f: FeatureDef, codes: TypeCodes): string {
  if (f.type !== 'activity' || f.agg !== 'distinct_days') throw new Error(`not a distinct_days feature: ${f.name}`);
  const p = typePredicate(spec, f.activities, codes);
  return `${p}${f.window_days !== undefined ? ` AND age_d <= ${f.window_days}` : ''}`;
}

const isDayCount = (f: FeatureDef) => f.type === 'activity' && f.agg === 'distinct_days';

// Outer select expression for an activity aggregate column (missing counts are 0, missing recency stays NULL).
function activityOuter(f: FeatureDef, col: string): string {
  if (f.type === 'burst') return `coalesce(${col}, 0)::DOUBLE`;
  if (f.type !== 'activity') throw new Error('unreachable');
  if (f.agg === 'any') return `(coalesce(${col}, 0) > 0)::DOUBLE`;
  if (f.agg === 'days_since_last' || f.agg === 'days_since_first') return `${col}::DOUBLE`;
  return `coalesce(${col}, 0)::DOUBLE`;
}

/**
 * SQL for a feature computed from the lead's own row, over the `lr` subquery (leads plus `_email_kind`,
 * `_seniority` and `_department`, looked up per distinct domain and title). lead_age_days needs as_of
 * and is done per snapshot.
 */
export function leadFeatureSql(spec: FeatureSpec, f: FeatureDef): string {
  const c = (n: string) => `lr.${quoteIdent(n)}`;
  if (f.type === 'attribute')
    return f.kind === 'numeric' ? `TRY_CAST(${c(f.column)} AS DOUBLE)` : `CAST(${c(f.column)} AS VARCHAR)`;
  if (f.type === 'extra') {
    // a JSON pointer: any key (spaces, dots, quotes) addressed exactly, ~ and / escaped as the RFC says
    const pointer = quoteLiteral('/' + f.key.replaceAll('~', '~0').replaceAll('/', '~1'));
    const v = `json_extract_string(lr.extras, ${pointer})`;
    return f.kind === 'numeric' ? `TRY_CAST(${v} AS DOUBLE)` : `nullif(trim(${v}), '')`;
  }
  if (f.type !== 'derived') throw new Error(`not a lead feature: ${f.name}`);
  switch (f.derive) {
    case 'email_domain_kind':
      return 'lr._email_kind';
    case 'email_domain':
      return emailDomainSql(c('email'));
    case 'seniority':
      return 'lr._seniority';
    case 'department':
      return 'lr._department';
    case 'company_size_band':
      return companySizeBandSql(c('company_size'));
    case 'revenue_band':
      return revenueBandSql(c('annual_revenue'));
    case 'region':
      return regionSql(c('country'));
    case 'disposable_email':
      return `(lr._email_kind = 'disposable')::DOUBLE`;
    case 'competitor_email':
      return `(lr._email_kind = 'competitor')::DOUBLE`;
    case 'free_email':
      return `(lr._email_kind = 'free')::DOUBLE`;
    case 'student_title':
      return `(lr._seniority = 'student' OR lr._email_kind = 'academic')::DOUBLE`;
    case 'lead_age_days':
      throw new Error('lead_age_days depends on as_of');
  }
}

/** A feature computed from the lead row alone, once per lead in the leads input. */
export const isLeadLevel = (f: FeatureDef) =>
  f.type === 'attribute' || f.type === 'extra' || (f.type === 'derived' && f.derive !== 'lead_age_days');

/** What the activity side of a spec needs: the features aggregated, type codes, types read, burst windows. */
export interface ActivityPlan {
  features: FeatureDef[];
  codes: TypeCodes;
  /** activity types read (undefined: all) */
  types: string[] | undefined;
  windows: number[];
  hasBurst: boolean;
}

/** The activity features to aggregate: every active activity/burst feature, plus those a ratio needs if excluded. */
export function activityPlan(spec: FeatureSpec): ActivityPlan {
  const features = activeFeatures(spec);
  const needed = new Set(features.filter((f) => f.type === 'activity' || f.type === 'burst').map((f) => f.name));
  for (const f of features) if (f.type === 'ratio') needed.add(f.numerator).add(f.denominator);
  const actFeatures = spec.features.filter((f) => needed.has(f.name));
  const only = { ...spec, features: actFeatures, exclude: [] };
  const hasBurst = actFeatures.some((f) => f.type === 'burst');
  return {
    features: actFeatures,
    codes: allTypeCodes(spec, actFeatures),
    types: referencedActivityTypes(only),
    windows: hasBurst ? burstWindows(only) : [],
    hasBurst,
  };
}

/** The integer type code of an activity row (column activity_type) for the plan's features. */
export function activityCodeSql(plan: ActivityPlan): string {
  return typeCodeSql(plan.codes);
}

/** Column of the leads input holding a lead-level or expression feature, by feature name. */
export function leadColumns(spec: FeatureSpec): Map<string, string> {
  const lead = activeFeatures(spec).filter((f) => isLeadLevel(f) || f.type === 'expr');
  return new Map(lead.map((f, i) => [f.name, `_l${i}`]));
}

/**
 * The temp tables a build computes once (features/inputs.ts) and the chunk query reads: `leads` (li, lead_id,
 * created_at, leadColumns), `pairs` (bid, li, as_of[, rn]), `activities` (li, occurred_at, tc) and `won` (li, won_at),
 * the last three stored in li order so a chunk's range scan skips the other leads' row groups.
 */
export interface FeatureInputs {
  leads: string;
  pairs: string;
  activities: string;
  /** li, won_at: won outcomes, for labels */
  won: string;
}

/**
 * Compile the spec into one SELECT over the inputs producing lead_id, as_of, <features>, [label], _max_event_at, for
 * the leads with li in [lo, hi]. A pair's features depend only on its lead's rows, so chunks of leads give the same
 * rows as one query over all leads, while each chunk's join, sort and aggregate stay the size of one chunk.
 */
export function compileFeatureQuery(
  spec: FeatureSpec,
  opts: CompileOptions,
  t: FeatureInputs,
  range: { lo: number; hi: number },
): string {
  const features = activeFeatures(spec);
  const plan = activityPlan(spec);
  const { codes, windows, hasBurst } = plan;
  const actFeatures = plan.features;
  const needsDay = actFeatures.some(isDayCount);

  const alias = new Map(actFeatures.map((f, i) => [f.name, `_a${i}`]));
  const dayFeatures = actFeatures.filter(isDayCount);
  const aggs = actFeatures
    .filter((f) => !isDayCount(f))
    .map((f) => `${activityAggregate(spec, f, codes)} AS ${alias.get(f.name)}`);
  const actCol = (f: FeatureDef) => activityOuter(f, `${isDayCount(f) ? 'act_days' : 'act'}.${alias.get(f.name)}`);
  const hasAct = actFeatures.length > 0;
  const byName = new Map(spec.features.map((f) => [f.name, f]));
  const leadAlias = leadColumns(spec);
  const inRange = `li BETWEEN ${range.lo} AND ${range.hi}`;

  const select: string[] = ['l.lead_id', 'b.as_of', ...(opts.rowNumbers ? ['b.bid::INTEGER AS rn'] : [])];
  for (const f of features) {
    let expr: string;
    if (f.type === 'activity' || f.type === 'burst') expr = actCol(f);
    else if (f.type === 'ratio')
      expr = `(${actCol(byName.get(f.numerator)!)} / nullif(${actCol(byName.get(f.denominator)!)}, 0))`;
    else if (f.type === 'expr') expr = opts.exprTable ? `l.${leadAlias.get(f.name)}` : 'NULL';
    else if (f.type === 'derived' && f.derive === 'lead_age_days')
      expr = `((epoch_us(b.as_of) - epoch_us(l.created_at)) / ${DAY_US}.0)`;
    else expr = `l.${leadAlias.get(f.name)}`;
    const cast = featureKind(f) === 'numeric' ? 'DOUBLE' : 'VARCHAR';
    select.push(`CAST(${expr} AS ${cast}) AS ${quoteIdent(f.name)}`);
  }
  if (opts.withLabels) select.push('(lab.bid IS NOT NULL)::INTEGER AS label');
  select.push(hasAct ? 'act._max_event_at' : 'CAST(NULL AS TIMESTAMP) AS _max_event_at');

  // Bursts look back from each event over the lead's earlier events (so an event before as_of sees only events
  // before it): computed once per activity of the chunk, partitioned by the integer lead number.
  const bursts = !hasBurst
    ? ''
    : `,\n      (epoch_us(occurred_at) - epoch_us(lag(occurred_at) OVER (PARTITION BY li ORDER BY occurred_at)))` +
      ` / 1e6 AS _gap_prev_s` +
      windows
        .map(
          (sec) =>
            `,\n      count(*) OVER (PARTITION BY li ORDER BY occurred_at RANGE BETWEEN INTERVAL ` +
            `(${Math.round(sec * 1e6)}) MICROSECOND PRECEDING AND CURRENT ROW)::DOUBLE AS ` +
            `${quoteIdent(burstColumn(sec))}`,
        )
        .join('');
  const burstCols = !hasBurst
    ? ''
    : ', a._gap_prev_s' + windows.map((s) => `, a.${quoteIdent(burstColumn(s))}`).join('');
  const dayCol = needsDay ? `,\n      epoch_us(a.occurred_at) // ${DAY_US} AS day_n` : '';
  const actCte = hasAct
    ? `,
a AS (
  SELECT li, occurred_at, tc${bursts}
  FROM ${quoteIdent(t.activities)} WHERE ${inRange}
),
ev AS (
  SELECT b.bid, a.tc, a.occurred_at,
    (epoch_us(b.as_of) - epoch_us(a.occurred_at)) / ${DAY_US}.0 AS age_d${dayCol}${burstCols}
  FROM b JOIN a ON a.li = b.li AND a.occurred_at < b.as_of
),
act AS (
  SELECT bid, max(occurred_at) AS _max_event_at${aggs.length ? `,\n    ${aggs.join(',\n    ')}` : ''}
  FROM ev
  GROUP BY bid
)${
        dayFeatures.length
          ? `,
act_days AS (
  SELECT bid, ${dayFeatures.map((f, k) => `count(_d${k}) AS ${alias.get(f.name)}`).join(', ')}
  FROM (SELECT bid, day_n, ${dayFeatures.map((f, k) => `${dayFlag(spec, f, codes)} AS _d${k}`).join(', ')}
        FROM ev WHERE ${dayFeatures.map((f) => `(${dayPredicate(spec, f, codes)})`).join(' OR ')} GROUP BY bid, day_n)
  GROUP BY bid
)`
          : ''
      }`
    : '';

  // label: some won outcome of the lead in the horizon after as_of (labelSql, as a join over the chunk's pairs)
  const labCte = opts.withLabels
    ? `,
lab AS (
  SELECT DISTINCT b.bid FROM b JOIN (SELECT li, won_at FROM ${quoteIdent(t.won)} WHERE ${inRange}) w
    ON w.li = b.li AND ${inHorizonSql('w.won_at', 'b.as_of', opts.horizonDays)}
)`
    : '';
  const joins =
    (opts.withLabels ? ' LEFT JOIN lab ON lab.bid = b.bid' : '') +
    (hasAct ? ' LEFT JOIN act ON act.bid = b.bid' : '') +
    (dayFeatures.length ? ' LEFT JOIN act_days ON act_days.bid = b.bid' : '');
  return `WITH b AS (
  SELECT bid, li, as_of FROM ${quoteIdent(t.pairs)} WHERE ${inRange}
)${actCte}${labCte}
SELECT ${select.join(',\n  ')}
FROM b JOIN (SELECT * FROM ${quoteIdent(t.leads)} WHERE ${inRange}) l ON l.li = b.li${joins}`;
}
