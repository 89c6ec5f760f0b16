import { quoteIdent, quoteLiteral, type Warehouse } from '../store/index.ts';
import type { TablePlan } from './checks.ts';
import { cleanTextSql, sourceAlias, unnumberedSourceSql, type Source } from './source.ts';

type ExtraKind = 'integer' | 'number' | 'boolean' | 'string';

/**
 * Lead source columns that are not canonical travel in `leads.extras` (JSON), keeping their type:
 * a column whose every value is a whole number becomes JSON integers, any number JSON numbers,
 * true/false JSON booleans, anything else strings. Values with a leading zero ("007", zip codes)
 * keep the column a string so nothing is lost. Parquet columns keep the type the file declares.
 * A size or revenue given as a range (201-500) is kept beside its number as `<column>_band`.
 */
export async function inferExtraKinds(w: Warehouse, src: Source, extras: number[]): Promise<Map<number, ExtraKind>> {
  const kinds = new Map<number, ExtraKind>();
  const toInfer: number[] = [];
  for (const i of extras) {
    const type = src.columns[i].type.toUpperCase();
    if (src.format === 'parquet' && !src.columns[i].nested && type !== 'VARCHAR') {
      kinds.set(
        i,
        type === 'BOOLEAN'
          ? 'boolean'
          : /INT/.test(type)
            ? 'integer'
            : /DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/.test(type)
              ? 'number'
              : 'string',
      );
    } else toInfer.push(i);
  }
  if (toInfer.length === 0) return kinds;
  const aggs = toInfer.map((i) => {
    const v = cleanTextSql(sourceAlias(i));
    const leadingZero = `regexp_full_match(${v}, '[+-]?0[0-9].*')`;
    return [
      `count(${v}) AS n${i}`,
      `bool_and(${v} IS NULL OR regexp_full_match(${v}, '[+-]?(0|[1-9][0-9]{0,17})')) AS i${i}`,
      `bool_and(${v} IS NULL OR (regexp_full_match(${v}, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?')
        AND NOT ${leadingZero})) AS d${i}`,
      `bool_and(${v} IS NULL OR lower(${v}) IN ('true', 'false')) AS b${i}`,
    ].join(', ');
  });
  const row =
    (await w.one<Record<string, unknown>>(`SELECT ${aggs.join(', ')} FROM ${unnumberedSourceSql(src)}`)) ?? {};
  for (const i of toInfer) {
    const kind: ExtraKind =
      Number(row[`n${i}`]) === 0
        ? 'string'
        : row[`b${i}`]
          ? 'boolean'
          : row[`i${i}`]
            ? 'integer'
            : row[`d${i}`]
              ? 'number'
              : 'string';
    kinds.set(i, kind);
  }
  return kinds;
}

/** SQL building the extras JSON object from the aliased source columns and bands (NULL when there are none). */
export function extrasJsonSql(plan: TablePlan, kinds: Map<number, ExtraKind>): string {
  const src = plan.src;
  const pairs = [...kinds].map(([i, kind]) => {
    const v = cleanTextSql(sourceAlias(i));
    const typed =
      kind === 'integer'
        ? `TRY_CAST(${v} AS BIGINT)`
        : kind === 'number'
          ? `TRY_CAST(${v} AS DOUBLE)`
          : kind === 'boolean'
            ? `TRY_CAST(${v} AS BOOLEAN)`
            : v;
    return `${quoteLiteral(src.columns[i].name)}, ${typed}`;
  });
  let sql = pairs.length ? `json_object(${pairs.join(', ')})` : 'CAST(NULL AS JSON)';
  const taken = new Set(src.columns.map((c) => c.name));
  for (const c of plan.bands) {
    const band = quoteIdent(`__b_${c}`);
    const key = taken.has(`${c}_band`) ? `${c}_range` : `${c}_band`;
    sql = `CASE WHEN ${band} IS NULL THEN ${sql}
      ELSE json_merge_patch(coalesce(${sql}, '{}'::JSON), json_object(${quoteLiteral(key)}, ${band})) END`;
  }
  return sql;
}
