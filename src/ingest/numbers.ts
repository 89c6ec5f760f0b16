import { quoteLiteral } from '../store/index.ts';

/**
 * Numbers as CRM exports write them: plain (1234.5), with thousands separators and a currency sign
 * ($1,250,000), with a K/M/B suffix (2.5M), and for sizes and revenue as a range: 201-500, 1,001-5,000,
 * 10,001+, 1K-5K, $1M-$10M, <10 or "under 10". A range becomes its lower bound (0 for "under"), and the
 * range itself is kept as a category (the lead's `<column>_band` in extras). A comma is a thousands
 * separator only before three digits: "1,5" is not a number.
 */

const NUM = String.raw`(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?`;
const LESS = '(<=?|under|lessthan|upto|below)?';
const MORE = String.raw`(\+|ormore|andabove|andup)`;
const FORM = String.raw`^${LESS}(${NUM})([kmb]?)(?:(-|–|—|to)(${NUM})([kmb]?)|${MORE})?$`;
const PARTS = ['lt', 'lo', 'ls', 'dash', 'hi', 'hs', 'plus'];

/** SQL for the text as the forms are matched: lower case, no spaces or currency signs. */
function normalized(raw: string): string {
  return `lower(regexp_replace(${raw}, '[\\s$€£¥]', '', 'g'))`;
}

/** SQL: the parts of a number written in one of the forms (NULL for a plain number DuckDB reads as is). */
export function numberPartsSql(raw: string): string {
  const names = `[${PARTS.map(quoteLiteral).join(', ')}]`;
  return `CASE WHEN ${raw} IS NOT NULL AND TRY_CAST(${raw} AS DOUBLE) IS NULL
    THEN regexp_extract(${normalized(raw)}, ${quoteLiteral(FORM)}, ${names}) END`;
}

const scale = (suffix: string) => `CASE ${suffix} WHEN 'k' THEN 1e3 WHEN 'm' THEN 1e6 WHEN 'b' THEN 1e9 ELSE 1 END`;

/** SQL: TRUE when the parts (from numberPartsSql) are a range rather than one number. */
export function isRangeSql(parts: string): string {
  return `(${parts}.lt <> '' OR ${parts}.dash <> '' OR ${parts}.plus <> '')`;
}

/**
 * SQL: the number (DOUBLE; NULL when the text is not one). `ranges`: a range counts, as its lower bound.
 * DuckDB reads 'true'/'false' as 1/0; a boolean is not a number here.
 */
export function numberSql(raw: string, parts: string, ranges: boolean): string {
  const suffix = `coalesce(nullif(${parts}.ls, ''), ${parts}.hs)`;
  const lo = `TRY_CAST(replace(${parts}.lo, ',', '') AS DOUBLE) * ${scale(suffix)}`;
  const fromParts = ranges
    ? `CASE WHEN ${parts}.lo = '' THEN NULL WHEN ${parts}.lt <> '' THEN 0 ELSE ${lo} END`
    : `CASE WHEN ${parts}.lo = '' OR ${isRangeSql(parts)} THEN NULL ELSE ${lo} END`;
  return `CASE WHEN lower(${raw}) IN ('true', 'false') THEN NULL
    WHEN ${parts} IS NULL THEN TRY_CAST(${raw} AS DOUBLE) ELSE ${fromParts} END`;
}

/** SQL: the range as written (trimmed) when the value is one, else NULL. */
export function bandSql(raw: string, parts: string): string {
  return `CASE WHEN ${parts}.lo <> '' AND ${isRangeSql(parts)} THEN ${raw} END`;
}
