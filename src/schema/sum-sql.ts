/**
 * A sum of doubles that gives the same bits however DuckDB's threads split and order the rows. A
 * plain sum(DOUBLE) does not: floating-point addition is not associative, and two builds of the same
 * 1M-lead feature table differed in the last bits of the decayed sums on about 190 leads. Terms are
 * rounded to multiples of 2^-40 (about 1e-12) and added as integers, which is exact in any order.
 */

const SCALE = 2 ** 40;

/**
 * SQL for the order-independent sum of `expr` (terms within ±8e6), optionally with `FILTER (WHERE ...)`; NULL over no
 * rows, like sum.
 */
export function orderFreeSumSql(expr: string, filter = ''): string {
  return `(sum(CAST((${expr}) * ${SCALE} AS BIGINT))${filter ? ` ${filter}` : ''} / ${SCALE}.0)`;
}
