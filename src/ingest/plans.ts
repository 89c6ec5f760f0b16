import { ACTIVITY_COLUMNS, LEAD_COLUMNS, OUTCOME_COLUMNS, OUTCOME_STATUSES, type ColumnSpec } from '../schema/index.ts';
import { quoteIdent, quoteLiteral, type Warehouse } from '../store/index.ts';
import { addColumn, addDateBounds, addNestedChecks, checkedSql, raw, shown, type TablePlan } from './checks.ts';
import { rawColumnSql, resolveColumns, type MappingOrigin } from './columns.ts';
import { detectDateParse, statedDateParse, type DateParse } from './dates.ts';
import type { TableMapping } from './mapping.ts';
import { numberedSourceSql, cleanTextSql, sourceAlias, unnumberedSourceSql, type Source } from './source.ts';
import type { CanonicalTable } from './types.ts';

/**
 * How each canonical table is validated (a TablePlan) and written (an upsert by its natural key, so
 * re-ingesting the same file leaves the same rows). Rows repeated identically in a file are merged
 * (counted); rows that repeat a key with other values are rejected (the first occurrence is kept).
 */

export const SPECS: Record<CanonicalTable, ColumnSpec[]> = {
  leads: LEAD_COLUMNS,
  activities: ACTIVITY_COLUMNS,
  outcomes: OUTCOME_COLUMNS,
};

/** The temp table of lead ids this ingest is loading (valid rows only): activities and outcomes may refer to them. */
export const NEW_LEADS = '__ls_new_leads';
/** The temp table of every lead id activities and outcomes may refer to: stored ones and this ingest's. */
export const KNOWN_LEADS = '__ls_known_leads';

/** What a plan needs besides its source and mapping. */
export interface PlanContext {
  origin: MappingOrigin;
  /** --date-format (a table's date_format wins) */
  dateFormat?: string;
  bounds: { min: Date; max: Date };
  activityTypes: Record<string, string>;
  /** for a lookup: the relation (key, lead) built from this ingest's leads file */
  lookupRelation?: string;
  /** source columns that another table of this ingest reads from the same file as outcomes (never lead extras) */
  excluded?: Set<string>;
}

const cols = (specs: ColumnSpec[]) => specs.map((c) => quoteIdent(c.name)).join(', ');
const allText = (src: Source) => src.columns.map((_, i) => sourceAlias(i)).join(', ');

async function datesFor(w: Warehouse, plan: TablePlan, ctx: PlanContext): Promise<void> {
  const stated = await statedDateParse(
    w,
    plan.map.dateFormat ?? ctx.dateFormat,
    plan.map.dateFormat ? 'date_format' : '--date-format',
  );
  for (const spec of SPECS[plan.table]) {
    if (spec.sqlType !== 'TIMESTAMP' || !(spec.name in plan.raw)) continue;
    let parse: DateParse | undefined = stated;
    if (!parse) {
      const idx = plan.columns.get(spec.name);
      const col = idx ? `column "${plan.src.columns[idx[0]].name}" of ` : '';
      const where = `${plan.table}.${spec.name} (${col}${plan.src.shown})`;
      parse = await detectDateParse(w, plan.raw[spec.name], unnumberedSourceSql(plan.src), { where });
    }
    plan.dates[spec.name] = parse;
  }
}

/** The source columns a mapping reads (columns, rules), by index. */
function usedColumns(plan: TablePlan): Set<number> {
  const used = new Set<number>();
  for (const idx of plan.columns.values()) for (const i of idx) used.add(i);
  for (const rules of Object.values(plan.map.rules))
    for (const r of rules)
      for (const name of Object.keys(r.when)) {
        const i = plan.src.columns.findIndex((c) => c.name === name);
        if (i >= 0) used.add(i);
      }
  if (plan.lookup) used.add(plan.lookup.sourceColumn);
  return used;
}

/** Build the plan of one source file for one canonical table: columns, raw SQL, dates (detected if need be), checks. */
export async function buildPlan(
  w: Warehouse,
  table: CanonicalTable,
  src: Source,
  map: TableMapping,
  ctx: PlanContext,
): Promise<TablePlan> {
  const columns = resolveColumns(src, SPECS[table], table, map, ctx.origin);
  const plan: TablePlan = {
    table,
    src,
    map,
    columns,
    raw: {},
    rawSkip: {},
    parts: {},
    helpers: {},
    typed: {},
    context: {},
    checks: [],
    skips: [],
    ordered: false,
    dates: {},
    bands: [],
    extras: [],
    bounds: ctx.bounds,
  };
  if (map.lookup && ctx.lookupRelation) {
    const i = src.columns.findIndex((c) => c.name === map.lookup!.column);
    plan.lookup = { relation: ctx.lookupRelation, sourceColumn: i };
  }
  for (const spec of SPECS[table]) {
    const viaLookup = spec.name === 'lead_id' && plan.lookup ? 'lk.lead' : undefined;
    const has = columns.has(spec.name) || map.constants[spec.name] !== undefined || map.rules[spec.name] || viaLookup;
    if (!has) continue;
    const r = rawColumnSql(src, spec.name, columns.get(spec.name), map, viaLookup);
    plan.raw[spec.name] = r.value;
    if (r.skip) {
      plan.rawSkip[spec.name] = r.skip;
      plan.skips.push({ kind: `${spec.name}: not data (values or rules)`, when: quoteIdent(`__k_${spec.name}`) });
    }
  }
  await datesFor(w, plan, ctx);
  if (table === 'leads') leadsChecks(plan, ctx);
  else if (table === 'activities') activitiesChecks(plan, ctx);
  else outcomesChecks(plan);
  for (const spec of SPECS[table])
    if (spec.sqlType === 'TIMESTAMP' && spec.name in plan.raw && table !== 'outcomes') addDateBounds(plan, spec.name);
  addNestedChecks(plan);
  return plan;
}

function addSpecs(
  plan: TablePlan,
  specs: ColumnSpec[],
  extra: Record<string, Parameters<typeof addColumn>[2]> = {},
): void {
  for (const spec of specs) {
    if (!(spec.name in plan.raw)) {
      plan.typed[spec.name] = `CAST(NULL AS ${spec.sqlType})`;
      continue;
    }
    addColumn(plan, spec, extra[spec.name]);
  }
}

/** First-occurrence-wins duplicates by key: identical repeats merged (counted), others rejected. */
function duplicates(plan: TablePlan, key: string, column: string, message: string): void {
  plan.ordered = true;
  plan.key = key;
  // one window (one sort): the first occurrence's row number and the hash of its whole row
  plan.helpers.__ls_hash = `hash(${allText(plan.src)})`;
  plan.context.__ls_first = `CASE WHEN lead_id IS NOT NULL THEN min(__ls_row) OVER (PARTITION BY ${key}) END`;
  plan.context.__ls_first_hash = `arg_min(__ls_hash, __ls_row) OVER (PARTITION BY ${key})`;
  plan.skips.push({ kind: 'duplicate_merged', when: `__ls_first < __ls_row AND __ls_hash = __ls_first_hash` });
  plan.checks.push({
    column,
    kind: 'duplicate',
    when: `__ls_first < __ls_row AND __ls_hash <> __ls_first_hash`,
    message,
  });
}

/**
 * The plan without its duplicate checks, for a file whose validation found no repeated key (no row
 * rejected, skipped or merged): every check it drops is false there, so the write needs neither the
 * window nor row numbers and DuckDB reads the file in parallel.
 */
export function withoutDuplicates(plan: TablePlan): TablePlan {
  const context = Object.fromEntries(Object.entries(plan.context).filter(([k]) => !k.startsWith('__ls_first')));
  const helpers = Object.fromEntries(Object.entries(plan.helpers).filter(([k]) => k !== '__ls_hash'));
  return {
    ...plan,
    ordered: false,
    context,
    helpers,
    skips: plan.skips.filter((s) => s.kind !== 'duplicate_merged'),
    checks: plan.checks.filter((c) => c.kind !== 'duplicate'),
  };
}

/**
 * True when no key repeats among the rows with a lead id (the only rows the duplicate checks judge): a
 * parallel count, so the validation pass can go without the window and the row numbers.
 */
export async function keysUnique(w: Warehouse, plan: TablePlan): Promise<boolean> {
  const p = withoutDuplicates(plan);
  const r = await w.one<{ n: number; d: number }>(
    `SELECT count(*)::BIGINT AS n, count(DISTINCT row(${plan.key}))::BIGINT AS d
     FROM ${checkedSql(p, unnumberedSourceSql(p.src))} WHERE lead_id IS NOT NULL`,
  );
  return Number(r?.n ?? 0) === Number(r?.d ?? 0);
}

/** leads: lead_id unique, counts and money non-negative (ranges such as 201-500 read as their lower bound). */
function leadsChecks(plan: TablePlan, ctx: PlanContext): void {
  addSpecs(plan, LEAD_COLUMNS, {
    company_size: { nonNegative: true, ranges: true },
    annual_revenue: { nonNegative: true, ranges: true },
  });
  const used = usedColumns(plan);
  const dropped = new Set(plan.map.drop.map((d) => d.toLowerCase()));
  plan.extras = plan.src.columns.flatMap((c, i) =>
    used.has(i) || dropped.has(c.name.toLowerCase()) || ctx.excluded?.has(c.name) ? [] : [i],
  );
  duplicates(
    plan,
    'lead_id',
    'lead_id',
    `'lead_id: duplicate of row ' || __ls_first || ' in this file with other values (the first occurrence is kept)'`,
  );
}

/** Known leads: in the warehouse already, or valid in this ingest's leads file. */
function knownLead(plan: TablePlan, what: string): void {
  plan.context.__ls_known = `lead_id IN (SELECT lead_id FROM ${KNOWN_LEADS})`;
  if (plan.lookup) {
    const key = cleanTextSql(sourceAlias(plan.lookup.sourceColumn));
    const leadsColumn = plan.map.lookup!.leadsColumn;
    if (plan.map.unknownLeads === 'skip')
      plan.skips.push({ kind: 'not_linked_to_a_lead', when: `${key} IS NOT NULL AND lead_id IS NULL` });
    else
      plan.checks.push({
        column: 'lead_id',
        kind: 'not_linked',
        when: `${key} IS NOT NULL AND lead_id IS NULL`,
        message: `${quoteLiteral(`lead_id: no lead in the leads file has ${leadsColumn} = `)} || ${shown(key)}`,
      });
  }
  if (plan.map.unknownLeads === 'skip') {
    plan.skips.push({ kind: 'unknown_lead', when: `lead_id IS NOT NULL AND NOT __ls_known` });
    return;
  }
  plan.checks.push({
    column: 'lead_id',
    kind: 'unknown_lead',
    when: `lead_id IS NOT NULL AND NOT __ls_known`,
    message:
      `'lead_id: ' || ${shown(raw('lead_id'))} || ` +
      quoteLiteral(` is not a known lead (${what} must reference a lead in leads)`),
  });
}

/** activities: a known lead, a date, a type (renamed through the mapping's activity_types). */
function activitiesChecks(plan: TablePlan, ctx: PlanContext): void {
  addSpecs(plan, ACTIVITY_COLUMNS);
  const entries = Object.entries(ctx.activityTypes);
  if (entries.length > 0) {
    const r = raw('activity_type');
    const whens = entries.map(([from, to]) => `WHEN ${quoteLiteral(from)} THEN ${quoteLiteral(to)}`);
    plan.typed.activity_type = `CASE ${r} ${whens.join(' ')} ELSE ${r} END`;
  }
  knownLead(plan, 'activities');
}

/** outcomes: a known lead, status won|lost|open, closed_at not before created_at, one row per key. */
function outcomesChecks(plan: TablePlan): void {
  addSpecs(plan, OUTCOME_COLUMNS, { status: { allowed: OUTCOME_STATUSES } });
  // an open deal's close date is when it is expected to close: not a fact, not stored
  plan.checks.push({
    column: 'closed_at',
    kind: 'date_order',
    when: `status <> 'open' AND closed_at < created_at`,
    message: `'closed_at: ' || CAST(closed_at AS VARCHAR) || ' is before created_at ' || CAST(created_at AS VARCHAR)`,
  });
  if ('created_at' in plan.raw) addDateBounds(plan, 'created_at');
  if ('closed_at' in plan.raw) addDateBounds(plan, 'closed_at', `status <> 'open'`);
  // key: (lead_id, opportunity_id), or (lead_id, created_at) when there is no opportunity_id
  duplicates(
    plan,
    'lead_id, opportunity_id, CASE WHEN opportunity_id IS NULL THEN created_at END',
    'opportunity_id',
    `CASE WHEN opportunity_id IS NOT NULL
      THEN 'opportunity_id: duplicate of row ' || __ls_first || ' in this file (same lead_id and opportunity_id, '
        || 'other values; the first occurrence is kept)'
      ELSE 'created_at: duplicate of row ' || __ls_first || ' in this file (same lead_id and created_at, '
        || 'no opportunity_id, other values; the first occurrence is kept)' END`,
  );
  knownLead(plan, 'outcomes');
}

const valid = `WHERE NOT __ls_bad AND NOT __ls_skip`;

/**
 * The rows a write loads. A clean file (validation rejected, skipped and merged no row) has no repeated
 * key and no bad row: read without row numbers, window, checks (so no join to the known leads) or
 * filter, in parallel.
 */
function validRowsSql(plan: TablePlan, clean: boolean): string {
  if (clean) {
    const p: TablePlan = { ...plan, ordered: false, context: {}, checks: [], skips: [] };
    p.helpers = Object.fromEntries(Object.entries(plan.helpers).filter(([k]) => k !== '__ls_hash'));
    return checkedSql(p, unnumberedSourceSql(p.src));
  }
  const src = plan.ordered ? numberedSourceSql(plan.src) : unnumberedSourceSql(plan.src);
  return `(SELECT * FROM ${checkedSql(plan, src)} ${valid})`;
}

/** Create the (empty) temp tables of this ingest's valid lead ids and of every known lead id. */
export async function createNewLeads(w: Warehouse): Promise<void> {
  await w.run(`CREATE OR REPLACE TEMP TABLE ${NEW_LEADS} (lead_id VARCHAR)`);
  await w.run(`CREATE OR REPLACE TEMP TABLE ${KNOWN_LEADS} (lead_id VARCHAR)`);
}

/** Fill the known lead ids: those stored in the warehouse and those this ingest loads (once, before checks use it). */
export async function settleKnownLeads(w: Warehouse, warehouseLeads: boolean): Promise<void> {
  const stored = warehouseLeads ? 'SELECT lead_id FROM leads UNION ' : '';
  await w.run(`INSERT INTO ${KNOWN_LEADS} ${stored}SELECT lead_id FROM ${NEW_LEADS}`);
}

/** Add a leads plan's valid ids (before anything is written), so activities and outcomes may refer to them. */
export async function addNewLeads(w: Warehouse, plan: TablePlan, clean: boolean): Promise<void> {
  // no row rejected or skipped: every lead id in the file loads, and reading them needs no checks
  if (clean)
    await w.run(`INSERT INTO ${NEW_LEADS} SELECT DISTINCT ${plan.raw.lead_id} FROM ${unnumberedSourceSql(plan.src)}`);
  else
    await w.run(
      `INSERT INTO ${NEW_LEADS} SELECT lead_id FROM ${checkedSql(plan, numberedSourceSql(plan.src))} ${valid}`,
    );
}

/** Upsert valid leads by lead_id. */
export async function writeLeads(w: Warehouse, plan: TablePlan, extrasSql: string, clean: boolean): Promise<void> {
  const list = cols(LEAD_COLUMNS);
  // valid rows never repeat a lead_id, so into an empty table a plain insert is the same upsert
  // without the merge (a group by key and a join against the table)
  const stored = (await w.one(`SELECT 1 AS x FROM leads LIMIT 1`)) !== undefined;
  await w.run(
    `INSERT ${stored ? 'OR REPLACE ' : ''}INTO leads (${list}, extras)
     SELECT ${list}, ${extrasSql} FROM ${validRowsSql(plan, clean)}`,
  );
}

/**
 * Insert valid activities that are not already there. An activity's identity is its full natural
 * key (every column, NULLs equal): identical events, in the file or already stored, are kept once.
 */
export async function writeActivities(w: Warehouse, plan: TablePlan, clean: boolean): Promise<void> {
  const list = ACTIVITY_COLUMNS.map((c) => `v.${quoteIdent(c.name)}`).join(', ');
  const same = ACTIVITY_COLUMNS.map((c) => `a.${quoteIdent(c.name)} IS NOT DISTINCT FROM v.${quoteIdent(c.name)}`).join(
    ' AND ',
  );
  // A plain hash anti join, and none when nothing is stored: a correlated NOT EXISTS is planned as a
  // delim join that keeps the whole file in memory and groups it a second time.
  const stored = (await w.one(`SELECT 1 AS x FROM activities LIMIT 1`)) !== undefined;
  const anti = stored ? `ANTI JOIN activities a ON ${same}` : '';
  await w.run(`INSERT INTO activities (${cols(ACTIVITY_COLUMNS)})
    SELECT DISTINCT ${list} FROM ${validRowsSql(plan, clean)} v ${anti}`);
}

/** Replace outcomes with the same key, then insert the valid rows (an open deal keeps no closed_at). */
export async function writeOutcomes(w: Warehouse, plan: TablePlan, clean: boolean): Promise<void> {
  const list = cols(OUTCOME_COLUMNS);
  const select = list.replace('"closed_at"', `CASE WHEN status = 'open' THEN NULL ELSE closed_at END AS closed_at`);
  await w.run(`CREATE OR REPLACE TEMP TABLE __ls_valid_outcomes AS SELECT ${select} FROM ${validRowsSql(plan, clean)}`);
  await w.run(`DELETE FROM outcomes o WHERE EXISTS (SELECT 1 FROM __ls_valid_outcomes v
    WHERE v.opportunity_id IS NOT NULL AND v.lead_id = o.lead_id AND v.opportunity_id = o.opportunity_id)`);
  await w.run(`DELETE FROM outcomes o WHERE o.opportunity_id IS NULL AND EXISTS (SELECT 1 FROM __ls_valid_outcomes v
    WHERE v.opportunity_id IS NULL AND v.lead_id = o.lead_id AND v.created_at = o.created_at)`);
  await w.run(`INSERT INTO outcomes (${list}) SELECT ${list} FROM __ls_valid_outcomes`);
  await w.run(`DROP TABLE __ls_valid_outcomes`);
}
