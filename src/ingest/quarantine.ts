import { quoteIdent, quoteLiteral, type Warehouse } from '../store/index.ts';
import { checkedSql, problemsSql, rawRowSql, type TablePlan } from './checks.ts';
import { settleStructure } from './csv-structure.ts';
import { keysUnique, withoutDuplicates } from './plans.ts';
import { numberedSourceSql, unnumberedSourceSql } from './source.ts';
import type { RejectSample } from './types.ts';

/**
 * Rejected rows are gathered in a temp table during an ingest, then written to `rejected_rows`
 * once, replacing what earlier runs recorded for the same source file and table (so re-ingesting
 * the same file does not pile up duplicates). One rejected_rows row per bad source row: column_name
 * is the first failing column, reason joins every problem of that row with "; ".
 */
const REJECTS = '__ls_rejects';

/** Create (empty) the temp table that collects this run's rejects. */
export async function startQuarantine(w: Warehouse): Promise<void> {
  await w.run(`CREATE OR REPLACE TEMP TABLE ${REJECTS} (
    table_name VARCHAR, source_file VARCHAR, row_number BIGINT,
    problems STRUCT(col VARCHAR, kind VARCHAR, msg VARCHAR)[], raw_row JSON)`);
}

/** What the validation pass of one plan found. */
export interface PlanCounts {
  /** rows read, including lines the CSV reader could not split into columns */
  read: number;
  rejected: number;
  /** skipped rows per kind (not data for this table: neither loaded nor rejected) */
  skipped: Record<string, number>;
  /** canonical column -> non-null values among the rows that load */
  filled: Record<string, number>;
  /** numeric column -> values given as a range */
  ranges: Record<string, number>;
}

/**
 * Validate a plan: count its rows, bad rows, skips and filled columns in one pass (the first full read
 * of the file, which also records the CSV lines that cannot be read), then collect the bad rows and the
 * unreadable lines with their row numbers and reasons. The counting pass needs no row order unless a
 * check does, so DuckDB reads it in parallel; numbering rows costs a single-threaded, order-preserving pass.
 */
export async function collectRejects(w: Warehouse, plan: TablePlan, what: string): Promise<PlanCounts> {
  // no repeated key: the duplicate checks are all false, and the pass needs no window and no row numbers
  const counted = plan.key !== undefined && (await keysUnique(w, plan)) ? withoutDuplicates(plan) : plan;
  const ok = 'WHERE NOT __ls_bad AND NOT __ls_skip';
  const aggs = [
    'count(*)::BIGINT AS n',
    'count(*) FILTER (WHERE __ls_bad)::BIGINT AS bad',
    ...counted.skips.map((s, k) => `count(*) FILTER (WHERE coalesce(${s.when}, false))::BIGINT AS s${k}`),
    ...Object.keys(plan.raw).map((c, k) => `count(${quoteIdent(c)}) FILTER (${ok})::BIGINT AS f${k}`),
    ...plan.bands.map((c, k) => `count(${quoteIdent(`__b_${c}`)}) FILTER (${ok})::BIGINT AS b${k}`),
  ];
  const first = counted.ordered ? numberedSourceSql(plan.src, true) : unnumberedSourceSql(plan.src, true);
  const c = (await w.one<Record<string, number>>(`SELECT ${aggs.join(', ')} FROM ${checkedSql(counted, first)}`)) ?? {};
  const lines = await settleStructure(w, plan.src, what);
  const bad = Number(c.bad ?? 0);
  if (bad > 0) {
    await w.run(`INSERT INTO ${REJECTS}
      SELECT ${quoteLiteral(plan.table)}, ${quoteLiteral(plan.src.file)}, __ls_row,
        ${problemsSql(plan.checks)}, ${rawRowSql(plan.src)}
      FROM ${checkedSql(plan, numberedSourceSql(plan.src))} WHERE __ls_bad`);
  }
  for (const l of lines) {
    await w.run(
      `INSERT INTO ${REJECTS} VALUES ($1, $2, $3, [{'col': NULL, 'kind': $4, 'msg': $5}], json_object('line', $6))`,
      [plan.table, plan.src.file, l.row, l.kind, l.reason, l.text],
    );
  }
  const skipped: Record<string, number> = {};
  counted.skips.forEach((s, k) => {
    const n = Number(c[`s${k}`] ?? 0);
    if (n > 0) skipped[s.kind] = (skipped[s.kind] ?? 0) + n;
  });
  return {
    read: Number(c.n ?? 0) + lines.length,
    rejected: bad + lines.length,
    skipped,
    filled: Object.fromEntries(Object.keys(plan.raw).map((col, k) => [col, Number(c[`f${k}`] ?? 0)])),
    ranges: Object.fromEntries(plan.bands.map((col, k) => [col, Number(c[`b${k}`] ?? 0)])),
  };
}

/** Rejected rows per `column: kind` for one table of this run (and one of its files, when given). */
export async function reasonsFor(w: Warehouse, table: string, file?: string): Promise<Record<string, number>> {
  const rows = await w.all<{ k: string; n: number }>(
    `SELECT coalesce(p.col || ': ', '') || p.kind AS k, count(*)::BIGINT AS n
     FROM (SELECT DISTINCT source_file, row_number, unnest(problems) AS p FROM ${REJECTS}
       WHERE table_name = $1 AND ($2::VARCHAR IS NULL OR source_file = $2))
     GROUP BY 1 ORDER BY 2 DESC, 1`,
    [table, file ?? null],
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** Rejected rows per reason kind over the whole run (a row with two kinds counts under both). */
export async function reasonKinds(w: Warehouse): Promise<Record<string, number>> {
  const rows = await w.all<{ k: string; n: number }>(
    `SELECT kind AS k, count(*)::BIGINT AS n
     FROM (SELECT DISTINCT table_name, row_number, unnest(list_transform(problems, p -> p.kind)) AS kind FROM
       ${REJECTS})
     GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** The first `limit` rejected rows, in table and row order (of one file, when given). */
export async function rejectSamples(
  w: Warehouse,
  limit = 10,
  tableOrder: string[] = [],
  file?: string,
): Promise<RejectSample[]> {
  const order = tableOrder.length
    ? `list_position(${`[${tableOrder.map(quoteLiteral).join(', ')}]`}, table_name)`
    : 'table_name';
  const rows = await w.all<{ table: string; row_number: number; reason: string }>(
    `SELECT table_name AS "table", row_number, array_to_string(list_transform(problems, p -> p.msg), '; ') AS reason
     FROM ${REJECTS} WHERE $1::VARCHAR IS NULL OR source_file = $1
     ORDER BY ${order}, source_file, row_number LIMIT ${Math.trunc(limit)}`,
    [file ?? null],
  );
  return rows.map((r) => ({ table: r.table, row_number: Number(r.row_number), reason: r.reason }));
}

/** Replace earlier rejects of these (source file, table) pairs with this run's, in rejected_rows. */
export async function writeRejects(
  w: Warehouse,
  runId: string,
  now: Date,
  pairs: Array<{ file: string; table: string }>,
): Promise<void> {
  for (const p of pairs) {
    await w.run(`DELETE FROM rejected_rows WHERE source_file = $1 AND table_name = $2`, [p.file, p.table]);
  }
  await w.run(
    `INSERT INTO rejected_rows (run_id, source_file, table_name, row_number, column_name, reason, raw_row, rejected_at)
     SELECT $1, source_file, table_name, row_number, problems[1].col, array_to_string(list_transform(problems,
       p -> p.msg), '; '), raw_row, $2::TIMESTAMP
     FROM ${REJECTS} ORDER BY table_name, source_file, row_number`,
    [runId, now.toISOString().replace('T', ' ').replace('Z', '')],
  );
}

/** Drop the temp table. */
export async function endQuarantine(w: Warehouse): Promise<void> {
  await w.run(`DROP TABLE IF EXISTS ${REJECTS}`).catch(() => undefined);
}
