import { quoteIdent, quoteLiteral, type Warehouse } from '../store/index.ts';
import { sourceAlias } from './checks.ts';
import { rawReaderSql, type Source } from './source.ts';

type ExtraKind = 'integer' | 'number' | 'boolean' | 'string';

/**
 * Lead source columns that are not canonical travel in `leads.extras` (JSON), keeping their type:
 * a column whose every value is a whole number becomes JSON integers, any number JSON numbers,
 * true/false JSON booleans, anything else strings. Values with a leading zero ("007", zip codes)
 * keep the column a string so nothing is lost. Parquet/JSON columns keep the type the file declares.
 */
export async function inferExtraKinds(w: Warehouse, src: Source, extras: number[]): Promise<Map<number, ExtraKind>> {
  const kinds = new Map<number, ExtraKind>();
  const toInfer: number[] = [];
  for (const i of extras) {
    const type = src.columns[i].type.toUpperCase();
    if (src.format !== 'csv' && type !== 'VARCHAR') {
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
    } else if (src.format !== 'csv') {
      kinds.set(i, 'string');
    } else {
      toInfer.push(i);
    }
  }
  if (toInfer.length === 0) return kinds;
  const aggs = toInfer.map((i) => {
    const v = `nullif(trim(${quoteIdent(src.columns[i].name)}), '')`;
    const leadingZero = `regexp_full_match(${v}, '[+-]?0[0-9].*')`;
    return [
      `count(${v}) AS n${i}`,
      `bool_and(${v} IS NULL OR regexp_full_match(${v}, '[+-]?(0|[1-9][0-9]{0,17})')) AS i${i}`,
      `bool_and(${v} IS NULL OR (regexp_full_match(${v}, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?') AND NOT ${leadingZero})) AS d${i}`,
      `bool_and(${v} IS NULL OR lower(${v}) IN ('true', 'false')) AS b${i}`,
    ].join(', ');
  });
  const row = (await w.one<Record<string, unknown>>(`SELECT ${aggs.join(', ')} FROM ${rawReaderSql(src)}`)) ?? {};
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

/** SQL building the extras JSON object from the aliased source columns (NULL when there are none). */
export function extrasJsonSql(src: Source, kinds: Map<number, ExtraKind>): string {
  if (kinds.size === 0) return 'CAST(NULL AS JSON)';
  const pairs = [...kinds].map(([i, kind]) => {
    const v = `nullif(trim(${sourceAlias(i)}), '')`;
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
  return `json_object(${pairs.join(', ')})`;
}
