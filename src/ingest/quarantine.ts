import { quoteLiteral, type Warehouse } from '../store/index.ts';
import { checkedSql, problemsSql, rawRowSql, type TablePlan } from './checks.ts';
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

/**
 * Count a plan's rows and bad rows in one pass, then (only if there are bad rows) collect them with
 * their row numbers and reasons. The counting pass needs no row order unless a check does, so DuckDB
 * reads it in parallel; numbering rows costs a single-threaded, order-preserving pass.
 */
export async function collectRejects(
  w: Warehouse,
  plan: TablePlan,
  numberedSource: string,
  unnumberedSource: string,
): Promise<{ read: number; rejected: number }> {
  const counts = await w.one<{ n: number; bad: number }>(
    `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE __ls_bad)::BIGINT AS bad FROM ${checkedSql(plan, plan.ordered ? numberedSource : unnumberedSource)}`,
  );
  const read = Number(counts?.n ?? 0);
  const bad = Number(counts?.bad ?? 0);
  if (bad === 0) return { read, rejected: 0 };
  const before = await w.count(REJECTS);
  await w.run(`INSERT INTO ${REJECTS}
    SELECT ${quoteLiteral(plan.table)}, ${quoteLiteral(plan.src.file)}, __ls_row, ${problemsSql(plan.checks)}, ${rawRowSql(plan.src)}
    FROM ${checkedSql(plan, numberedSource)} WHERE __ls_bad`);
  return { read, rejected: (await w.count(REJECTS)) - before };
}

/** Rejected rows per `column: kind` for one table of this run. */
export async function reasonsFor(w: Warehouse, table: string): Promise<Record<string, number>> {
  const rows = await w.all<{ k: string; n: number }>(
    `SELECT p.col || ': ' || p.kind AS k, count(*)::BIGINT AS n
     FROM (SELECT DISTINCT row_number, unnest(problems) AS p FROM ${REJECTS} WHERE table_name = $1)
     GROUP BY 1 ORDER BY 2 DESC, 1`,
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** Rejected rows per reason kind over the whole run (a row with two kinds counts under both). */
export async function reasonKinds(w: Warehouse): Promise<Record<string, number>> {
  const rows = await w.all<{ k: string; n: number }>(
    `SELECT kind AS k, count(*)::BIGINT AS n
     FROM (SELECT DISTINCT table_name, row_number, unnest(list_transform(problems, p -> p.kind)) AS kind FROM ${REJECTS})
     GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** The first `limit` rejected rows, in table and row order. */
export async function rejectSamples(w: Warehouse, limit = 10, tableOrder: string[] = []): Promise<RejectSample[]> {
  const order = tableOrder.length
    ? `list_position(${`[${tableOrder.map(quoteLiteral).join(', ')}]`}, table_name)`
    : 'table_name';
  const rows = await w.all<{ table: string; row_number: number; reason: string }>(
    `SELECT table_name AS "table", row_number, array_to_string(list_transform(problems, p -> p.msg), '; ') AS reason
     FROM ${REJECTS} ORDER BY ${order}, row_number LIMIT ${Math.trunc(limit)}`,
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
     SELECT $1, source_file, table_name, row_number, problems[1].col, array_to_string(list_transform(problems, p -> p.msg), '; '), raw_row, $2::TIMESTAMP
     FROM ${REJECTS} ORDER BY table_name, source_file, row_number`,
    [runId, now.toISOString().replace('T', ' ').replace('Z', '')],
  );
}

/** Drop the temp table. */
export async function endQuarantine(w: Warehouse): Promise<void> {
  await w.run(`DROP TABLE IF EXISTS ${REJECTS}`).catch(() => undefined);
}
