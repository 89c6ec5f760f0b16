import { quoteIdent, quoteLiteral } from '../store/index.ts';
import { openLeadSql, orderFreeSumSql, timestampSql } from '../schema/index.ts';
import { BAND_COLOUR_NAMES } from '../schema/palette.ts';
import { ATTRIBUTES, DICTIONARY_ATTRIBUTES } from './attributes.ts';
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
  /**
   * table (default): readable columns (band, colour, grade, exclusion_reason, fired JSON);
   * codes: numbers only (as_of_ms, band/grade/flags packed in `code`), the cheap shape for reading 1M rows into JS
   */
  output?: 'table' | 'codes';
  /** with output codes: also return the fired JSON */
  fired?: boolean;
  /**
   * with output codes: false leaves the rows unsorted, for a caller that joins and orders them itself (default true: by
   * lead_id, as_of)
   */
  ordered?: boolean;
}

/** Bit layout of the `code` column of output 'codes' (decoded by the engine). */
export const CODE = { band: 0, fitGrade: 4, level: 8, mql: 12, sql: 13, excluded: 14, exclusion: 16 } as const;

const DAY_US = 86_400_000_000;

/** The score columns of output 'table', as DOUBLEs. */
const SCORE_COLUMNS =
  'fit::DOUBLE AS fit, engagement::DOUBLE AS engagement, negative::DOUBLE AS negative, total::DOUBLE AS total';

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
  if ((opts.asOf === undefined) === (opts.pairsTable === undefined))
    throw new Error('compileRules: give exactly one of asOf or pairsTable');
  const asOfSql = opts.asOf ? timestampSql(opts.asOf) : 'p.as_of::TIMESTAMP';
  const crit = rules.criteria;
  const activityCrit = crit
    .map((c, i) => [c, i] as const)
    .filter((x): x is readonly [ActivityCriterion, number] => x[0].kind === 'activity');
  const engTypes = engagementTypes(rules);
  const needsEvents =
    activityCrit.length > 0 || crit.some((c) => c.kind === 'inactivity') || rules.decay.kind === 'linear';
  const decays = rules.decay.kind === 'half_life';

  // --- snapshots: one row per (lead, as_of) with the attributes the rules test
  const attrs = [
    ...new Set([
      ...crit.flatMap((c) => (c.kind === 'attribute' ? [c.attribute] : [])),
      ...rules.exclusions.map((e) => e.attribute),
    ]),
  ];
  // Title and email-domain classifiers are dozens of string tests: run them once per distinct title/domain.
  const dictJoins: string[] = [];
  const ctes: string[] = [];
  const attrCols = attrs.map((a) => {
    const dict = DICTIONARY_ATTRIBUTES[a];
    if (!dict) return `${ATTRIBUTES[a].sql(rules.competitorDomains)} AS ${quoteIdent(`a_${a}`)}`;
    const name = `dict_${a}`;
    const classify = dict.classify('k', rules.competitorDomains);
    ctes.push(`${name} AS (
  SELECT k, ${classify} AS v FROM (SELECT DISTINCT ${dict.key('l')} AS k FROM leads l)
)`);
    dictJoins.push(`LEFT JOIN ${name} ON ${name}.k IS NOT DISTINCT FROM ${dict.key('l')}`);
    return `${name}.v AS ${quoteIdent(`a_${a}`)}`;
  });
  const where = [`l.created_at < ${asOfSql}`];
  if (opts.leadId !== undefined) where.push(`l.lead_id = ${quoteLiteral(opts.leadId)}`);
  if (opts.leads === 'open') {
    where.push(openLeadSql('l.lead_id', asOfSql));
  }
  const pairsJoin = opts.pairsTable ? ` JOIN ${quoteIdent(opts.pairsTable)} p ON p.lead_id = l.lead_id` : '';
  // with (lead, as_of) pairs, an integer snapshot id keys the events, their aggregates and the joins back: cheaper
  // to hash than the lead_id text and a timestamp (the ids are internal; any numbering gives the same rows)
  const single = opts.asOf !== undefined;
  const snapshotId = single ? '' : 'row_number() OVER () AS sid, ';
  ctes.push(`snap AS (
  SELECT ${snapshotId}l.lead_id, ${asOfSql} AS as_of, l.created_at${attrCols.map((c) => `,\n    ${c}`).join('')}
  FROM leads l${pairsJoin} ${dictJoins.join(' ')}
  WHERE ${where.join('\n    AND ')}
)`);

  // --- events: activities before as_of, only the types the rules name, with age and decay factor.
  // With one as_of for everyone, aggregate activities per lead first and join the (small) result to the
  // snapshots; with (lead, as_of) pairs every event must meet its snapshot before aggregating.
  const joins: string[] = [];
  let typeCode = new Map<string, number>();
  const key = single ? 'lead_id' : 'sid';
  const on = (t: string) => `${t}.${key} = s.${key}`;
  if (needsEvents) {
    const types = [...new Set([...activityCrit.flatMap(([c]) => c.activities), ...engTypes])];
    typeCode = new Map(types.map((t, k) => [t, k + 1]));
    const typeWhens = types.map((t, k) => `WHEN ${quoteLiteral(t)} THEN ${k + 1}`).join(' ');
    const tc = `CASE a.activity_type ${typeWhens} END::UTINYINT`;
    const age = `(epoch_us(${single ? asOfSql : 's.as_of'}) - epoch_us(a.occurred_at)) / ${DAY_US}.0`;
    const decay = decays ? `pow(0.5, ${age} / ${num((rules.decay as { days: number }).days)})` : '1.0';
    const typeFilter = types.length ? `a.activity_type IN (${types.map(quoteLiteral).join(', ')})` : 'false';
    const leadFilter = opts.leadId !== undefined ? ` AND a.lead_id = ${quoteLiteral(opts.leadId)}` : '';
    // Not materialized: each reader (the aggregates, each window criterion) runs its own scan and join, so a
    // window criterion's type filter reaches the activities scan instead of reading a stored copy of every event
    // (pairs at 100k leads: 9.7M joined events, 5.7-6.5 s -> 4.6-4.8 s).
    const from = single
      ? `activities a\n  WHERE ${typeFilter} AND a.occurred_at < ${asOfSql}`
      : `snap s JOIN activities a ON a.lead_id = s.lead_id AND a.occurred_at < s.as_of\n  WHERE ${typeFilter}`;
    const event = `${tc} AS t, a.activity_type, a.occurred_at AS ts, ${age} AS age, ${decay} AS d`;
    ctes.push(`ev AS NOT MATERIALIZED (
  SELECT ${single ? 'a.lead_id' : 's.sid'}, ${event}
  FROM ${from}${leadFilter}
)`);
    const aggCols: string[] = [];
    for (const [c, i] of activityCrit) {
      if (c.per === 'window') continue;
      const cond = eventCondition(c, typeCode);
      const positive = c.points > 0 && decays; // negative points never decay
      aggCols.push(`count(*) FILTER (WHERE ${cond}) AS n${i}`);
      let units: string;
      if (c.per === 'once')
        units = positive ? `max(d) FILTER (WHERE ${cond})` : `(count(*) FILTER (WHERE ${cond}) > 0)::INTEGER`;
      else if (c.maxCount !== undefined) {
        // the most recent events count first, and decay makes them the biggest: the sum of the maxCount biggest
        // decay factors, largest first (max(d, n) keeps only those, where a list of every event was sorted)
        units = positive
          ? `list_sum(max(d, ${c.maxCount}) FILTER (WHERE ${cond}))`
          : `least(count(*) FILTER (WHERE ${cond}), ${c.maxCount})`;
      } else units = positive ? orderFreeSumSql('d', `FILTER (WHERE ${cond})`) : `count(*) FILTER (WHERE ${cond})`;
      aggCols.push(`${units} AS v${i}`);
    }
    const engFilter = engTypes.length ? `t IN (${engTypes.map((t) => typeCode.get(t)).join(', ')})` : 'false';
    aggCols.push(`max(ts) FILTER (WHERE ${engFilter}) AS last_engaged`);
    ctes.push(`agg AS (
  SELECT ${key}, ${aggCols.join(',\n    ')}
  FROM ev GROUP BY ${key}
)`);
    joins.push(`LEFT JOIN agg ON ${on('agg')}`);
    for (const [c, i] of activityCrit) {
      if (c.per !== 'window') continue;
      const { count, days } = c.window!;
      const positive = c.points > 0 && decays;
      // an event completes a window when the (count-1)th event before it is at most `days` older; the
      // test on activity_type repeats the one on t, so it reaches the scan and the rest sees only these types
      const windowTypes = c.activities.map(quoteLiteral).join(', ');
      ctes.push(`w${i} AS (
  SELECT ${key}, count(*) AS n${i}, ${positive ? 'max(d)' : '1'} AS v${i}
  FROM (SELECT ${key}, ts, d, lag(ts, ${count - 1}) OVER (PARTITION BY ${key} ORDER BY ts) AS prev
        FROM ev WHERE activity_type IN (${windowTypes}) AND ${eventCondition(c, typeCode)})
  WHERE prev IS NOT NULL AND epoch_us(ts) - epoch_us(prev) <= ${num(days)} * ${DAY_US}
  GROUP BY ${key}
)`);
      joins.push(`LEFT JOIN w${i} ON ${on(`w${i}`)}`);
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
        const rawUnits =
          c.per === 'event' ? (c.maxCount !== undefined ? `least(${n}, ${c.maxCount})` : n) : `(${n} > 0)::INTEGER`;
        perCols.push(`${pts} * ${rawUnits} AS raw${i}`, `${n} AS n${i}`);
      }
    }
  });
  // 1-based index of the first exclusion that matches, NULL when none does
  const exclusion = rules.exclusions.length
    ? `CASE ${rules.exclusions.map((e, k) => `WHEN ${matchSql(e.attribute, e.match)} THEN ${k + 1}`).join(' ')} END`
    : 'NULL::INTEGER';
  const perList = perCols.map((c) => `,\n    ${c}`).join('');
  ctes.push(`per AS (
  SELECT s.lead_id, s.as_of, ${inactiveDays} AS inactive_days, ${exclusion} AS exclusion_code${perList}
  FROM snap s ${joins.join(' ')}
)`);

  // --- groups, caps, floor
  const cols = (g: string) => crit.flatMap((c, i) => (groupOf(c) === g ? [`p${i}`] : []));
  const loss =
    rules.decay.kind === 'linear'
      ? `${num(rules.decay.points)} * floor(inactive_days / ${num(rules.decay.everyDays)})`
      : '0';
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
  const total = `round(least(greatest(fit + engagement + negative, 0), ${num(caps.total)}), 2)`;
  ctes.push(`scored AS (
  SELECT *, exclusion_code IS NOT NULL AS excluded,
    CASE WHEN exclusion_code IS NOT NULL THEN 0 ELSE ${total} END AS total
  FROM capped
)`);

  // band (0 = excluded, else 1-based in rules.bands), fit grade and engagement level (1-based)
  // (bands and grades come best first, so the first WHEN that holds is the one)
  const firstAtLeast = (column: string, steps: { min: number }[]) =>
    steps.map((x, k) => `WHEN ${column} >= ${num(x.min)} THEN ${k + 1}`).join(' ');
  const bandCode = `CASE WHEN excluded THEN 0 ${firstAtLeast('total', rules.bands)} END`;
  const fitGrade = `CASE ${firstAtLeast('fit', rules.grades.fit)} END`;
  const level = `CASE ${firstAtLeast('engagement', rules.grades.engagement)} END`;
  const reaches = (threshold: number) => `NOT excluded AND total >= ${num(threshold)}`;
  ctes.push(`coded AS (
  SELECT *, ${bandCode} AS band_code, ${fitGrade} AS fit_grade, ${level} AS level,
    ${reaches(rules.thresholds.mql)} AS mql, ${reaches(rules.thresholds.sql)} AS "sql"
  FROM scored
)`);
  // JSON by concatenation: an order of magnitude cheaper than to_json over a list of structs
  const firedRule = (c: RuleSet['criteria'][number], i: number) => {
    const opening = quoteLiteral(`{"rule":${JSON.stringify(c.name)},"points":`);
    return `CASE WHEN p${i} <> 0 THEN ${opening} || p${i}::DOUBLE || '}' END`;
  };
  const fired = crit.length ? `'[' || concat_ws(',', ${crit.map(firedRule).join(', ')}) || ']'` : `'[]'`;
  const head = `WITH ${ctes.join(',\n')}\n`;
  if (opts.output === 'codes') {
    const code = [
      `(band_code << ${CODE.band})`,
      `(fit_grade << ${CODE.fitGrade})`,
      `(level << ${CODE.level})`,
      `(mql::INTEGER << ${CODE.mql})`,
      `("sql"::INTEGER << ${CODE.sql})`,
      `(excluded::INTEGER << ${CODE.excluded})`,
      `(coalesce(exclusion_code, 0) << ${CODE.exclusion})`,
    ].join(' | ');
    const oneAsOf = single && !opts.fired;
    const asOfMs = oneAsOf ? '' : ', epoch_ms(as_of)::DOUBLE AS as_of_ms';
    const firedCol = opts.fired ? `, ${fired} AS fired` : '';
    const orderBy = opts.ordered === false ? '' : `\nORDER BY lead_id${oneAsOf ? '' : ', as_of'}`;
    return `${head}SELECT lead_id${asOfMs}, fit::DOUBLE AS fit, engagement::DOUBLE AS engagement,
  negative::DOUBLE AS negative, total::DOUBLE AS total, (${code})::INTEGER AS code${firedCol}
FROM coded${orderBy}`;
  }
  const strList = (xs: string[]) => `[${xs.map(quoteLiteral).join(', ')}]`;
  const perRuleCols = crit.map((_, i) => `, p${i}, raw${i}, n${i}`).join('');
  const detailCols = opts.detail
    ? `, fit_raw, engagement_raw, negative_raw, linear_loss, inactive_days${perRuleCols}`
    : '';
  const fitGrades = strList(rules.grades.fit.map((g) => g.grade));
  const reason = rules.exclusions.length
    ? `${strList(rules.exclusions.map((e) => e.reason))}[exclusion_code]`
    : 'NULL::VARCHAR';
  return `${head}SELECT lead_id, as_of, ${SCORE_COLUMNS},
  ${strList(['excluded', ...rules.bands.map((b) => b.name)])}[band_code + 1] AS band,
  ${strList([EXCLUDED_COLOUR, ...rules.bands.map((b) => b.colour)])}[band_code + 1] AS colour,
  CASE WHEN excluded THEN 'X' ELSE ${fitGrades}[fit_grade] || level::VARCHAR END AS grade,
  mql, "sql", excluded, ${reason} AS exclusion_reason,
  (${fired})::JSON AS fired${detailCols}
FROM coded
ORDER BY lead_id, as_of`;
}

/** Colour of the `excluded` band. */
export const EXCLUDED_COLOUR = BAND_COLOUR_NAMES.excluded;

/** Events a criterion counts; `t` is the activity type's small integer code in `ev`. */
function eventCondition(c: ActivityCriterion, typeCode: Map<string, number>): string {
  const codes = c.activities.map((a) => typeCode.get(a)!);
  const t = codes.length === 1 ? `t = ${codes[0]}` : `t IN (${codes.join(', ')})`;
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
  if (m.contains)
    parts.push(
      `coalesce(${m.contains.map((k) => `contains(${norm}, ${quoteLiteral(k.toLowerCase())})`).join(' OR ')}, false)`,
    );
  if (m.min !== undefined) parts.push(`coalesce(${x} >= ${num(m.min)}, false)`);
  if (m.max !== undefined) parts.push(`coalesce(${x} <= ${num(m.max)}, false)`);
  if (m.missing !== undefined) {
    const isMissing = def.values
      ? `${x} = 'missing'`
      : def.type === 'number'
        ? `${x} IS NULL`
        : `(${x} IS NULL OR trim(${x}) = '')`;
    parts.push(m.missing ? isMissing : `NOT (${isMissing})`);
  }
  return `(${parts.join(' AND ')})`;
}

/** Readable columns (the table `scoreRules` writes) from a table holding the output 'codes' query with fired. */
export function decodeSql(rules: RuleSet, codesTable: string): string {
  const strList = (xs: string[]) => `[${xs.map(quoteLiteral).join(', ')}]`;
  const bits = (at: number, width: number) => `((code >> ${at}) & ${(1 << width) - 1})`;
  const excl = bits(CODE.exclusion, 8);
  const excluded = bits(CODE.excluded, 1);
  const fitGrades = strList(rules.grades.fit.map((g) => g.grade));
  const grade = `${fitGrades}[${bits(CODE.fitGrade, 4)}] || ${bits(CODE.level, 4)}::VARCHAR`;
  const reason = rules.exclusions.length
    ? `CASE WHEN ${excl} > 0 THEN ${strList(rules.exclusions.map((e) => e.reason))}[${excl}] END`
    : 'NULL::VARCHAR';
  return `SELECT lead_id, make_timestamp((as_of_ms * 1000)::BIGINT) AS as_of, fit, engagement, negative, total,
  ${strList(['excluded', ...rules.bands.map((b) => b.name)])}[${bits(CODE.band, 4)} + 1] AS band,
  ${strList([EXCLUDED_COLOUR, ...rules.bands.map((b) => b.colour)])}[${bits(CODE.band, 4)} + 1] AS colour,
  CASE WHEN ${excluded} = 1 THEN 'X' ELSE ${grade} END AS grade,
  ${bits(CODE.mql, 1)} = 1 AS mql, ${bits(CODE.sql, 1)} = 1 AS "sql", ${excluded} = 1 AS excluded,
  ${reason} AS exclusion_reason,
  fired::JSON AS fired
FROM ${quoteIdent(codesTable)}
ORDER BY lead_id, as_of`;
}
