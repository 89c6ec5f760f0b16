import type { ColumnSpec } from '../schema/index.ts';
import { closestName, DataError } from '../errors.ts';
import { quoteLiteral } from '../store/index.ts';
import type { Rule, TableMapping } from './mapping.ts';
import { cleanTextSql, sourceAlias, type Source } from './source.ts';

/**
 * Which source columns feed each canonical column, and the SQL of its raw text: the mapping's
 * columns (a list: the first non-empty), else a constant, else the column of the same (or a similar)
 * name; then the mapping's rules and values. A missing required column is fatal.
 */

/** Loose form of a column name for matching: lower case, letters and digits only ("Lead ID" ~ lead_id). */
function loose(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The index of a source column by its exact name, else by its loose form; -1 when absent. */
export function findColumn(src: Source, name: string): number {
  const exact = src.columns.findIndex((c) => c.name === name);
  if (exact >= 0) return exact;
  const matches = src.columns.flatMap((c, i) => (loose(c.name) === loose(name) ? [i] : []));
  return matches.length === 1 ? matches[0] : -1;
}

/** Where the mapping came from, for messages: the file, or the preset. */
export interface MappingOrigin {
  shown: string;
  /** a preset names columns an export may lack: absent optional columns are not an error */
  lenient: boolean;
}

/** Resolve every canonical column of a table to source column indexes (constants have none). */
export function resolveColumns(
  src: Source,
  specs: ColumnSpec[],
  table: string,
  map: TableMapping,
  origin: MappingOrigin,
): Map<string, number[]> {
  const found = src.columns.map((c) => c.name);
  const out = new Map<string, number[]>();
  for (const spec of specs) {
    const wanted = map.columns[spec.name];
    if (wanted) {
      const idx = wanted.map((n) => findColumn(src, n)).filter((i) => i >= 0);
      if (idx.length > 0) {
        out.set(spec.name, idx);
        continue;
      }
      if (origin.lenient && !spec.required) continue;
      if (spec.name === 'lead_id' && map.lookup) continue;
      if (origin.lenient && (map.constants[spec.name] !== undefined || map.rules[spec.name])) continue;
      const near = closestName(wanted[0], found);
      throw new DataError(
        `${origin.shown}: ${table}.${spec.name} maps to column ${wanted.map((w) => `"${w}"`).join(' or ')}, ` +
          `but ${table} file ${src.shown} has no such column. Columns found: ${found.join(', ')}`,
        near
          ? `did you mean "${near}"? Fix the mapping`
          : 'fix the column name in the mapping (names are case-sensitive)',
      );
    }
    if (map.constants[spec.name] !== undefined || map.rules[spec.name]) continue;
    if (spec.name === 'lead_id' && map.lookup) continue;
    const same = findColumn(src, spec.name);
    if (same >= 0 && !map.drop.includes(found[same])) {
      out.set(spec.name, [same]);
      continue;
    }
    if (spec.required) {
      const near = closestName(spec.name, found);
      throw new DataError(
        `${table} file ${src.shown} has no column "${spec.name}" (required). Columns found: ${found.join(', ')}`,
        `${near ? `closest match: "${near}". ` : ''}Rename the column in the file, or map it: ` +
          `--map mapping.yaml with  ${table}: {columns: {${spec.name}: "${near ?? 'Your Column'}"}}`,
      );
    }
  }
  return out;
}

function text(src: Source, i: number, split: string | undefined): string {
  const v = sourceAlias(i);
  return split ? cleanTextSql(`split_part(${v}, ${quoteLiteral(split)}, 1)`) : cleanTextSql(v);
}

function ruleCondition(src: Source, rule: Rule): string {
  const parts = Object.entries(rule.when).map(([col, values]) => {
    const i = findColumn(src, col);
    if (i < 0) return 'false';
    const v = cleanTextSql(sourceAlias(i));
    if (values.includes('*')) return `${v} IS NOT NULL`;
    return `lower(${v}) IN (${values.map((x) => quoteLiteral(x.toLowerCase())).join(', ')})`;
  });
  return parts.length ? parts.join(' AND ') : 'true';
}

/** The raw SQL of a canonical column, and of "this row is not data" from its rules and values. */
export function rawColumnSql(
  src: Source,
  column: string,
  indexes: number[] | undefined,
  map: TableMapping,
  lookup?: string,
): { value: string; skip?: string } {
  let value: string;
  const texts = lookup ? [lookup] : (indexes ?? []).map((i) => text(src, i, map.split[column]));
  // a constant fills every row; beside source columns (presets only) it fills the rows they leave empty
  if (map.constants[column] !== undefined) texts.push(quoteLiteral(map.constants[column]));
  if (texts.length === 0) value = 'CAST(NULL AS VARCHAR)';
  else value = texts.length === 1 ? texts[0] : `coalesce(${texts.join(', ')})`;
  let skip: string | undefined;
  const values = map.values[column];
  if (values) {
    const entries = Object.entries(values).filter(([k]) => k !== '*');
    const fallback = values['*'];
    const keys = entries.map(([k]) => quoteLiteral(k.toLowerCase()));
    const v = `lower(${value})`;
    const cases = entries.map(([, to], k) => `WHEN ${v} = ${keys[k]} THEN ${to === null ? 'NULL' : quoteLiteral(to)}`);
    const otherwise = fallback === undefined ? value : fallback === null ? 'NULL' : quoteLiteral(fallback);
    value = `CASE WHEN ${value} IS NULL THEN NULL ${cases.join(' ')} ELSE ${otherwise} END`;
    const skipKeys = entries.flatMap(([, to], k) => (to === null ? [keys[k]] : []));
    const skipWhen: string[] = [];
    if (skipKeys.length) skipWhen.push(`${v} IN (${skipKeys.join(', ')})`);
    if (fallback === null) skipWhen.push(keys.length ? `${v} NOT IN (${keys.join(', ')})` : 'true');
    if (skipWhen.length) skip = `coalesce(${skipWhen.join(' OR ')}, false)`;
  }
  const rules = map.rules[column];
  if (rules && rules.length > 0) {
    const conds = rules.map((r) => ruleCondition(src, r));
    const whens = rules.map((r, k) => `WHEN ${conds[k]} THEN ${r.value === null ? 'NULL' : quoteLiteral(r.value)}`);
    value = `CASE ${whens.join(' ')} ELSE ${value} END`;
    const ruleSkip = rules.map((r, k) => `WHEN ${conds[k]} THEN ${r.value === null}`).join(' ');
    skip = `CASE ${ruleSkip} ELSE ${skip ?? 'false'} END`;
  }
  return { value, skip };
}
