import { quoteIdent, type Warehouse } from '../store/index.ts';

/**
 * ROC AUC computed inside DuckDB (Mann-Whitney with average ranks for ties), so the oracle over
 * millions of (lead, snapshot) pairs never comes into JavaScript.
 * `source` is a trusted SQL query (built here, never from user input) with columns p and y (0/1).
 */
export async function rocAucSql(w: Warehouse, source: string): Promise<number | null> {
  const row = await w.one<{ auc: number | null }>(`
    WITH s AS (${source}),
    g AS (SELECT p, count(*) FILTER (WHERE y = 1) AS pos, count(*) AS n FROM s GROUP BY p),
    r AS (SELECT pos, n, sum(n) OVER (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS below FROM g),
    a AS (SELECT sum(pos * (coalesce(below, 0) + (n + 1) / 2.0)) AS r1, sum(pos) AS n1, sum(n) - sum(pos) AS n0 FROM r)
    SELECT CASE WHEN n1 > 0 AND n0 > 0 THEN (r1 - n1 * (n1 + 1) / 2.0) / (n1::DOUBLE * n0) END AS auc FROM a`);
  return row?.auc ?? null;
}

/** Oracle AUC of the true probability of converting at all vs actual conversion, over all leads. */
export function oracleAuc(w: Warehouse): Promise<number | null> {
  return rocAucSql(w, `SELECT true_probability AS p, converts AS y FROM truth`);
}

/** Oracle AUC of the 90-day window probability over all (lead, monthly snapshot) pairs. */
export function oracleAucWindow(w: Warehouse, horizonDays: number): Promise<number | null> {
  return rocAucSql(
    w,
    `SELECT s.p_true_90d AS p,
       (t.won_at IS NOT NULL AND t.won_at >= s.as_of AND t.won_at < s.as_of +
         to_days(${Math.trunc(horizonDays)}))::INTEGER AS y
     FROM truth_snapshots s JOIN truth t USING (lead_id)`,
  );
}

/**
 * Oracle AUC on a feature table's snapshots in [start, end] (e.g. a model's test window): the true
 * 90-day probabilities of the generator against the labels, the best any model could rank those rows.
 */
export function oracleAucOnSnapshots(w: Warehouse, table: string, start: Date, end: Date): Promise<number | null> {
  const range = `epoch_ms(${start.getTime()}::BIGINT) AND epoch_ms(${end.getTime()}::BIGINT)`;
  return rocAucSql(
    w,
    `SELECT s.p_true_90d AS p, f.label AS y FROM ${quoteIdent(table)} f JOIN truth_snapshots s USING (lead_id, as_of)
     WHERE f.as_of BETWEEN ${range}`,
  );
}
