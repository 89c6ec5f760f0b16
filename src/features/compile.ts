import { quoteIdent, quoteLiteral } from '../store/index.ts';
import {
  KEYED_CLASSIFIERS,
  companySizeBandSql,
  emailDomainSql,
  regionSql,
  revenueBandSql,
  orderFreeSumSql,
  labelSql,
  openLeadSql,
} from '../schema/index.ts';
import { activeFeatures, featureKind, type FeatureDef, type FeatureSpec } from './spec.ts';

/**
 * Features -> ONE DuckDB query. Shape:
 *   base  = snapshot pairs (lead_id, as_of) joined to leads, only leads created before as_of
 *           (and, for leads: 'open', not won before as_of)
 *   act   = base joined to activities with occurred_at < as_of, grouped by (lead_id, as_of),
 *           one conditional aggregate per activity feature
 *   lab   = label from outcomes in [as_of, as_of + horizon)
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
   * Where burst features' window functions run (same values either way: they look back from each
   * event, so an event before as_of sees only events before it). 'activity' (default): once over all
   * activities, partitioned by lead_id; cheapest when each lead has many snapshot pairs. 'pair': over
   * each pair's joined activities, partitioned by the pair's integer row id; cheaper when a lead has one
   * pair (scoring), since sorting by an integer beats sorting by the lead_id text.
   */
  burstWindows?: 'activity' | 'pair';
  /**
   * The pairs table has an INTEGER column `rn`, distinct per pair: it serves as the pair's row id (no
   * row_number() over the pairs) and comes out as column `rn`, so a reader can place each row by it
   * instead of sorting the table (scoring: rn is the lead's position, given once when picking leads).
   */
  rowNumbers?: boolean;
}

const DAY_US = 86_400_000_000;

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
type TypeCodes = Map<string, number>;

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

const isLeadLevel = (f: FeatureDef) =>
  f.type === 'attribute' || f.type === 'extra' || (f.type === 'derived' && f.derive !== 'lead_age_days');

/** Compile the spec into one SELECT producing lead_id, as_of, <features>, [label], _max_event_at. */
export function compileFeatureQuery(spec: FeatureSpec, opts: CompileOptions): string {
  const features = activeFeatures(spec);
  // Activity aggregates: every active activity/burst feature, plus those a ratio needs even if excluded.
  const needed = new Set(features.filter((f) => f.type === 'activity' || f.type === 'burst').map((f) => f.name));
  for (const f of features) if (f.type === 'ratio') needed.add(f.numerator).add(f.denominator);
  const actFeatures = spec.features.filter((f) => needed.has(f.name));
  const codes = allTypeCodes(spec, actFeatures);
  const needsDay = actFeatures.some((f) => f.type === 'activity' && f.agg === 'distinct_days');
  const types = referencedActivityTypes({ ...spec, features: actFeatures, exclude: [] });
  const hasBurst = actFeatures.some((f) => f.type === 'burst');
  const windows = hasBurst ? burstWindows({ ...spec, features: actFeatures, exclude: [] }) : [];

  const alias = new Map(actFeatures.map((f, i) => [f.name, `_a${i}`]));
  const dayFeatures = actFeatures.filter(isDayCount);
  const aggs = actFeatures
    .filter((f) => !isDayCount(f))
    .map((f) => `${activityAggregate(spec, f, codes)} AS ${alias.get(f.name)}`);
  const actCol = (f: FeatureDef) => activityOuter(f, `${isDayCount(f) ? 'act_days' : 'act'}.${alias.get(f.name)}`);
  const hasAct = actFeatures.length > 0;
  const byName = new Map(spec.features.map((f) => [f.name, f]));
  const leadAlias = new Map(features.filter(isLeadLevel).map((f, i) => [f.name, `_l${i}`]));

  const wonBefore = opts.leads === 'open' ? `AND ${openLeadSql('p.lead_id', 'p.as_of')}` : '';

  const select: string[] = ['b.lead_id', 'b.as_of', ...(opts.rowNumbers ? ['b.bid::INTEGER AS rn'] : [])];
  for (const f of features) {
    let expr: string;
    if (f.type === 'activity' || f.type === 'burst') expr = actCol(f);
    else if (f.type === 'ratio')
      expr = `(${actCol(byName.get(f.numerator)!)} / nullif(${actCol(byName.get(f.denominator)!)}, 0))`;
    else if (f.type === 'expr') expr = opts.exprTable ? `e.${quoteIdent(f.name)}` : 'NULL';
    else if (f.type === 'derived' && f.derive === 'lead_age_days')
      expr = `((epoch_us(b.as_of) - epoch_us(lf.created_at)) / ${DAY_US}.0)`;
    else expr = `lf.${leadAlias.get(f.name)}`;
    const cast = featureKind(f) === 'numeric' ? 'DOUBLE' : 'VARCHAR';
    select.push(`CAST(${expr} AS ${cast}) AS ${quoteIdent(f.name)}`);
  }
  if (opts.withLabels) select.push(`${labelSql('b.lead_id', 'b.as_of', opts.horizonDays)} AS label`);
  select.push(hasAct ? 'act._max_event_at' : 'CAST(NULL AS TIMESTAMP) AS _max_event_at');

  const leadCols = [...leadAlias].map(([n, a]) => `${leadFeatureSql(spec, byName.get(n)!)} AS ${a}`);
  // The title and email classifiers are dozens of string tests each: run them once per distinct key
  // (title, domain) and join the answers back; classes of the same key share one dictionary.
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
  const lf = `${dictCtes.join(',\n')},
lf AS MATERIALIZED (
  SELECT lr.lead_id, lr.created_at${leadCols.length ? ',\n    ' + leadCols.join(',\n    ') : ''}
  FROM (
    SELECT l.*, ${classCols.join(', ')}
    FROM leads l
      ${dictionaryJoins}
  ) lr
)`;

  // Activities, once each: integer type code, and (for bursts) backward-looking gap and window counts,
  // computed on the activities (partition lead_id) or on each pair's joined activities (partition bid).
  const perPair = opts.burstWindows === 'pair';
  const burstSql = (partition: string, at: string) =>
    `,\n      (epoch_us(${at}) - epoch_us(lag(${at}) OVER (PARTITION BY ${partition} ORDER BY ${at}))) / 1e6 AS ` +
    `_gap_prev_s` +
    windows
      .map(
        (sec) =>
          `,\n      count(*) OVER (PARTITION BY ${partition} ORDER BY ${at} RANGE BETWEEN INTERVAL ` +
          `(${Math.round(sec * 1e6)}) MICROSECOND PRECEDING AND CURRENT ROW)::DOUBLE AS ` +
          `${quoteIdent(burstColumn(sec))}`,
      )
      .join('');
  const leadBursts = hasBurst && !perPair ? burstSql('lead_id', 'occurred_at') : '';
  const typeFilter = types ? ` WHERE activity_type IN (${types.map(quoteLiteral).join(', ')})` : '';
  const source = `(SELECT lead_id, occurred_at, ${typeCodeSql(codes)} AS tc${leadBursts}
      FROM ${quoteIdent(opts.activitySource)}${typeFilter})`;
  const burstCols = !hasBurst
    ? ''
    : perPair
      ? burstSql('b.bid', 'a.occurred_at')
      : ', a._gap_prev_s' + windows.map((sec) => `, a.${quoteIdent(burstColumn(sec))}`).join('');

  const dayCol = needsDay ? `,\n      epoch_us(a.occurred_at) // ${DAY_US} AS day_n` : '';
  const actCte = hasAct
    ? `,
ev AS (
  SELECT b.bid, a.tc, a.occurred_at,
    (epoch_us(b.as_of) - epoch_us(a.occurred_at)) / ${DAY_US}.0 AS age_d${dayCol}${burstCols}
  FROM base b JOIN ${source} a ON a.lead_id = b.lead_id AND a.occurred_at < b.as_of
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

  const joins =
    (hasAct ? ' LEFT JOIN act ON act.bid = b.bid' : '') +
    (dayFeatures.length ? ' LEFT JOIN act_days ON act_days.bid = b.bid' : '') +
    (opts.exprTable ? ` LEFT JOIN ${quoteIdent(opts.exprTable)} e ON e.lead_id = b.lead_id` : '');
  // A lead exists from its creation on (created_at <= as_of): a pair at created_at itself is the lead at
  // creation (`snapshots: {every: created}`). The pairs table decides who is looked at: date snapshots
  // and scoring take only leads created strictly before their date.
  return `WITH pairs AS (
  SELECT DISTINCT lead_id, CAST(as_of AS TIMESTAMP) AS as_of${opts.rowNumbers ? ', rn' : ''} FROM
    ${quoteIdent(opts.pairs)}
),
${lf},
base AS MATERIALIZED (
  SELECT ${opts.rowNumbers ? 'p.rn' : 'row_number() OVER ()'} AS bid, p.lead_id, p.as_of FROM pairs p JOIN lf
    ON lf.lead_id = p.lead_id
  WHERE lf.created_at <= p.as_of ${wonBefore}
)${actCte}
SELECT ${select.join(',\n  ')}
FROM base b JOIN lf ON lf.lead_id = b.lead_id${joins}`;
}
