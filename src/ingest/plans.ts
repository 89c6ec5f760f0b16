import { ACTIVITY_COLUMNS, LEAD_COLUMNS, OUTCOME_COLUMNS, OUTCOME_STATUSES, type ColumnSpec } from '../schema/index.ts';
import { quoteIdent, quoteLiteral, type Warehouse } from '../store/index.ts';
import { addColumn, checkedSql, raw, shown, type TablePlan } from './checks.ts';
import type { Source } from './source.ts';

/**
 * How each canonical table is validated (a TablePlan) and written (an upsert by its natural key,
 * so re-ingesting the same file leaves the same rows).
 */

interface PlanOptions {
  dateFormat?: string;
}

function newPlan(table: string, src: Source, columns: Map<string, string>): TablePlan {
  return { table, src, columns, helpers: {}, typed: {}, context: {}, checks: [], ordered: false };
}

function addSpecs(
  plan: TablePlan,
  specs: ColumnSpec[],
  opts: PlanOptions,
  extra: Record<string, Parameters<typeof addColumn>[2]> = {},
): void {
  for (const spec of specs) {
    if (!plan.columns.has(spec.name)) {
      plan.typed[spec.name] = `CAST(NULL AS ${spec.sqlType})`;
      continue;
    }
    addColumn(plan, spec, { dateFormat: opts.dateFormat, ...extra[spec.name] });
  }
}

const cols = (specs: ColumnSpec[]) => specs.map((c) => quoteIdent(c.name)).join(', ');

/** A reference to a lead that is neither in this ingest's leads nor already in the warehouse. */
function knownLeadCheck(plan: TablePlan, what: string): void {
  plan.context.__ls_known = `lead_id IN (SELECT lead_id FROM leads)`;
  plan.checks.push({
    column: 'lead_id',
    kind: 'unknown_lead',
    when: `lead_id IS NOT NULL AND NOT __ls_known`,
    message: `'lead_id: ' || ${shown(raw('lead_id'))} || ${quoteLiteral(` is not a known lead (${what} must reference a lead in leads)`)}`,
  });
}

/** leads: lead_id unique (first occurrence in the file wins), counts and money non-negative. */
export function leadsPlan(src: Source, columns: Map<string, string>, extrasSql: string, opts: PlanOptions): TablePlan {
  const plan = newPlan('leads', src, columns);
  addSpecs(plan, LEAD_COLUMNS, opts, { company_size: { nonNegative: true }, annual_revenue: { nonNegative: true } });
  plan.typed.extras = extrasSql;
  plan.ordered = true;
  plan.context.__ls_first = `CASE WHEN lead_id IS NOT NULL THEN min(__ls_row) OVER (PARTITION BY lead_id) END`;
  plan.checks.push({
    column: 'lead_id',
    kind: 'duplicate',
    when: `__ls_first < __ls_row`,
    message: `'lead_id: duplicate of row ' || __ls_first || ' in this file (the first occurrence is kept)'`,
  });
  return plan;
}

/** Upsert valid leads by lead_id. */
export async function writeLeads(w: Warehouse, plan: TablePlan, numbered: string): Promise<void> {
  const list = `${cols(LEAD_COLUMNS)}, extras`;
  await w.run(
    `INSERT OR REPLACE INTO leads (${list}) SELECT ${list} FROM ${checkedSql(plan, numbered)} WHERE NOT __ls_bad`,
  );
}

/** activities: a known lead, a date, a type (renamed through the mapping's activity_types). */
export function activitiesPlan(
  src: Source,
  columns: Map<string, string>,
  renames: Record<string, string>,
  opts: PlanOptions,
): TablePlan {
  const plan = newPlan('activities', src, columns);
  addSpecs(plan, ACTIVITY_COLUMNS, opts);
  const entries = Object.entries(renames);
  if (entries.length > 0) {
    const r = raw('activity_type');
    plan.typed.activity_type = `CASE ${r} ${entries.map(([from, to]) => `WHEN ${quoteLiteral(from)} THEN ${quoteLiteral(to)}`).join(' ')} ELSE ${r} END`;
  }
  knownLeadCheck(plan, 'activities');
  return plan;
}

/**
 * Insert valid activities that are not already there. An activity's identity is its full natural
 * key (every column, NULLs equal): identical events, in the file or already stored, are kept once.
 */
export async function writeActivities(w: Warehouse, plan: TablePlan, numbered: string): Promise<void> {
  const list = cols(ACTIVITY_COLUMNS);
  const same = ACTIVITY_COLUMNS.map((c) => `a.${quoteIdent(c.name)} IS NOT DISTINCT FROM v.${quoteIdent(c.name)}`).join(
    ' AND ',
  );
  await w.run(`INSERT INTO activities (${list})
    SELECT DISTINCT ${list} FROM ${checkedSql(plan, numbered)} v
    WHERE NOT __ls_bad AND NOT EXISTS (SELECT 1 FROM activities a WHERE ${same})`);
}

/** outcomes: a known lead, status won|lost|open, closed_at not before created_at, one row per key. */
export function outcomesPlan(src: Source, columns: Map<string, string>, opts: PlanOptions): TablePlan {
  const plan = newPlan('outcomes', src, columns);
  addSpecs(plan, OUTCOME_COLUMNS, opts, { status: { allowed: OUTCOME_STATUSES } });
  plan.checks.push({
    column: 'closed_at',
    kind: 'date_order',
    when: `closed_at < created_at`,
    message: `'closed_at: ' || CAST(closed_at AS VARCHAR) || ' is before created_at ' || CAST(created_at AS VARCHAR)`,
  });
  plan.ordered = true;
  // key: (lead_id, opportunity_id), or (lead_id, created_at) when there is no opportunity_id
  plan.context.__ls_first = `CASE WHEN lead_id IS NOT NULL AND (opportunity_id IS NOT NULL OR created_at IS NOT NULL)
    THEN min(__ls_row) OVER (PARTITION BY lead_id, opportunity_id, CASE WHEN opportunity_id IS NULL THEN created_at END) END`;
  plan.checks.push({
    column: 'opportunity_id',
    kind: 'duplicate',
    when: `__ls_first < __ls_row`,
    message: `CASE WHEN opportunity_id IS NOT NULL
      THEN 'opportunity_id: duplicate of row ' || __ls_first || ' in this file (same lead_id and opportunity_id; the first occurrence is kept)'
      ELSE 'created_at: duplicate of row ' || __ls_first || ' in this file (same lead_id and created_at, no opportunity_id; the first occurrence is kept)' END`,
  });
  knownLeadCheck(plan, 'outcomes');
  return plan;
}

/** Replace outcomes with the same key, then insert the valid rows. */
export async function writeOutcomes(w: Warehouse, plan: TablePlan, numbered: string): Promise<void> {
  const list = cols(OUTCOME_COLUMNS);
  await w.run(
    `CREATE OR REPLACE TEMP TABLE __ls_valid_outcomes AS SELECT ${list} FROM ${checkedSql(plan, numbered)} WHERE NOT __ls_bad`,
  );
  await w.run(`DELETE FROM outcomes o WHERE EXISTS (SELECT 1 FROM __ls_valid_outcomes v
    WHERE v.opportunity_id IS NOT NULL AND v.lead_id = o.lead_id AND v.opportunity_id = o.opportunity_id)`);
  await w.run(`DELETE FROM outcomes o WHERE o.opportunity_id IS NULL AND EXISTS (SELECT 1 FROM __ls_valid_outcomes v
    WHERE v.opportunity_id IS NULL AND v.lead_id = o.lead_id AND v.created_at = o.created_at)`);
  await w.run(`INSERT INTO outcomes (${list}) SELECT ${list} FROM __ls_valid_outcomes`);
  await w.run(`DROP TABLE __ls_valid_outcomes`);
}
