import type { ColumnSpec } from '../schema/index.ts';
import { quoteIdent, quoteLiteral } from '../store/index.ts';
import { dateSql, isTemporalType, type DateParse } from './dates.ts';
import type { TableMapping } from './mapping.ts';
import { bandSql, numberPartsSql, numberSql } from './numbers.ts';
import { nestedAlias, rawValueSql, cleanTextSql, sourceAlias, type Source } from './source.ts';
import type { CanonicalTable } from './types.ts';

/**
 * Validation as SQL. A table plan turns a numbered all-text source into typed canonical columns in
 * layers (source text -> raw canonical text -> parts -> helpers -> typed -> context such as
 * duplicates), with a list of checks (a SQL condition that marks the row bad and a SQL message naming
 * the column and the expected form) and of skips (rows that are not data for this table, such as deals
 * not yet won in a won-deals mapping: counted, neither loaded nor rejected). Everything runs inside
 * DuckDB: no row passes through JavaScript.
 */
export interface Check {
  column: string | null;
  /** short machine name of the problem: missing, bad_date, not_a_number, ... */
  kind: string;
  /** SQL condition over the checked relation; NULL counts as "fine" */
  when: string;
  /** SQL string expression: the reason stored in rejected_rows */
  message: string;
}

/** Rows that are not data for the table: counted by kind, neither loaded nor rejected. */
export interface Skip {
  kind: string;
  when: string;
}

/** The layered SQL for one source file and one canonical table. */
export interface TablePlan {
  table: CanonicalTable;
  src: Source;
  map: TableMapping;
  /** canonical column -> the source columns (indexes) it is read from */
  columns: Map<string, number[]>;
  /** canonical column -> SQL over the source text (`__s_<i>`): the raw text after constants, rules and values */
  raw: Record<string, string>;
  /** canonical column -> SQL: TRUE when its rules or values say the row is not data */
  rawSkip: Record<string, string>;
  parts: Record<string, string>;
  helpers: Record<string, string>;
  typed: Record<string, string>;
  context: Record<string, string>;
  checks: Check[];
  skips: Skip[];
  /** true when a check depends on file order (duplicates: first occurrence wins) */
  ordered: boolean;
  /** SQL of the key whose repeats the duplicate checks look for (over the typed columns) */
  key?: string;
  /** date column -> how it is parsed */
  dates: Record<string, DateParse>;
  /** numeric columns whose ranges (201-500) are kept as `<column>_band` */
  bands: string[];
  /** source columns kept in leads.extras (indexes) */
  extras: number[];
  /** SQL of a relation joined to the source (alias lk, key `key`, value `lead`), for lookups */
  lookup?: { relation: string; sourceColumn: number };
  /** date bounds: dates outside are implausible */
  bounds: { min: Date; max: Date };
}

/** The alias of a canonical column's raw text (NULL when empty or not in the source). */
export function raw(column: string): string {
  return quoteIdent(`__r_${column}`);
}

/** A value as it appeared, quoted like JSON ("31/02/2024"), for messages. */
export function shown(sql: string): string {
  return `CAST(to_json(${sql}) AS VARCHAR)`;
}

const lit = quoteLiteral;
const msg = (column: string, text: string) => lit(`${column}: ${text}`);
const said = (c: string, value: string, text: string) => `${lit(`${c}: `)} || ${value} || ${lit(text)}`;
const stamp = (d: Date) => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;

/** Which types a typed (Parquet) column has, for messages: " (the file stores it as BOOLEAN)". */
function storedAs(plan: TablePlan, c: string): string {
  const idx = plan.columns.get(c)?.[0];
  const type = idx === undefined ? undefined : plan.src.columns[idx].type;
  return type && plan.src.format === 'parquet' && type !== 'VARCHAR' ? ` (the file stores it as ${type})` : '';
}

/** Typed expressions and checks for one canonical column, from its spec. */
export function addColumn(
  plan: TablePlan,
  spec: ColumnSpec,
  opts: { nonNegative?: boolean; allowed?: readonly string[]; ranges?: boolean } = {},
): void {
  const c = spec.name;
  const r = raw(c);
  const t = quoteIdent(c);
  if (spec.required) {
    const date = plan.dates[c];
    const expected = date ? `a date (${date.label}) is required` : 'a value is required';
    plan.checks.push({ column: c, kind: 'missing', when: `${r} IS NULL`, message: msg(c, `missing (${expected})`) });
  }
  if (opts.allowed) {
    const list = opts.allowed.map(lit).join(', ');
    plan.typed[c] = `CASE WHEN lower(${r}) IN (${list}) THEN lower(${r}) END`;
    const hint = plan.map.values[c]
      ? ''
      : ` (map other values with values: {${c}: {"Your Value": ${opts.allowed[0]}}})`;
    plan.checks.push({
      column: c,
      kind: 'not_allowed',
      when: `${r} IS NOT NULL AND ${t} IS NULL`,
      message: said(c, shown(r), ` is not one of ${opts.allowed.join(', ')}${hint}`),
    });
    return;
  }
  switch (spec.sqlType) {
    case 'VARCHAR':
      plan.typed[c] = r;
      return;
    case 'TIMESTAMP': {
      const idx = plan.columns.get(c)?.[0];
      const temporal = idx !== undefined && isTemporalType(plan.src.columns[idx].type);
      const parse = plan.dates[c];
      plan.typed[c] = dateSql(r, parse, temporal);
      const how = parse.detected ? 'detected' : 'stated';
      plan.checks.push({
        column: c,
        kind: 'bad_date',
        when: `${r} IS NOT NULL AND ${t} IS NULL`,
        message: said(
          c,
          shown(r),
          ` is not a date in format ${parse.label} (${how}${storedAs(plan, c)}); ` +
            'state the format with --date-format or date_format in the mapping',
        ),
      });
      return;
    }
    case 'BIGINT':
    case 'DOUBLE': {
      const whole = spec.sqlType === 'BIGINT';
      const d = quoteIdent(`__d_${c}`);
      const p = quoteIdent(`__p_${c}`);
      plan.parts[`__p_${c}`] = numberPartsSql(r);
      plan.helpers[`__d_${c}`] = numberSql(r, p, !!opts.ranges);
      if (opts.ranges) {
        plan.helpers[`__b_${c}`] = bandSql(r, p);
        plan.bands.push(c);
      }
      plan.typed[c] = whole
        ? `CASE WHEN isfinite(${d}) AND ${d} = floor(${d}) THEN TRY_CAST(${d} AS BIGINT) END`
        : `CASE WHEN isfinite(${d}) THEN ${d} END`;
      const forms = opts.ranges ? ', or a range such as 201-500 or 10,001+' : '';
      const expected = `must be ${whole ? 'a whole number' : 'a number'}${opts.nonNegative ? ' >= 0' : ''}${forms}`;
      const plain = (text: string) => said(c, r, ` ${text} (${expected})`);
      plan.checks.push({
        column: c,
        kind: 'not_a_number',
        when: `${r} IS NOT NULL AND (${d} IS NULL OR NOT isfinite(${d}))`,
        message: said(c, shown(r), ` is not a number (${expected})${storedAs(plan, c)}`),
      });
      if (whole) {
        plan.checks.push({
          column: c,
          kind: 'not_whole',
          when: `isfinite(${d}) AND ${d} <> floor(${d})`,
          message: plain('is not a whole number'),
        });
        plan.checks.push({
          column: c,
          kind: 'too_large',
          when: `isfinite(${d}) AND ${d} = floor(${d}) AND ${t} IS NULL`,
          message: plain('is too large'),
        });
      }
      if (opts.nonNegative)
        plan.checks.push({ column: c, kind: 'negative', when: `${d} < 0`, message: plain('is negative') });
      return;
    }
  }
}

/** A check that a date column lies within the plausible bounds (`--min-date`, `--max-date`). */
export function addDateBounds(plan: TablePlan, c: string, onlyWhen = 'true'): void {
  const t = quoteIdent(c);
  const { min, max } = plan.bounds;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  plan.checks.push({
    column: c,
    kind: 'implausible_date',
    when: `${onlyWhen} AND (${t} < ${stamp(min)} OR ${t} > ${stamp(max)})`,
    message: said(
      c,
      `CAST(${t} AS VARCHAR)`,
      ` is outside the plausible dates ${day(min)} to ${day(max)} (change them with --min-date and --max-date)`,
    ),
  });
}

/** Checks that no value used from the source is a nested JSON object or list (or a nested Parquet value). */
export function addNestedChecks(plan: TablePlan): void {
  const used = new Map<number, string>();
  for (const [c, idx] of plan.columns) for (const i of idx) used.set(i, c);
  for (const i of plan.extras) used.set(i, plan.src.columns[i].name);
  for (const [i, name] of used) {
    const col = plan.src.columns[i];
    if (!col.nested) continue;
    const from = name === col.name ? '' : ` (column "${col.name}")`;
    plan.checks.push({
      column: name,
      kind: 'nested_value',
      when: nestedAlias(i),
      message: said(name, `__j_${i}`, `${from} is a nested value (an object or a list), not a single value`),
    });
  }
}

function selectList(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([name, sql]) => `, ${sql} AS ${quoteIdent(name)}`)
    .join('');
}

/** SQL: TRUE when the row is skipped (not data for this table); skips are decided before any check. */
export function skipSql(plan: TablePlan): string {
  return plan.skips.length ? plan.skips.map((s) => `coalesce(${s.when}, false)`).join(' OR ') : 'false';
}

/** SQL of the checked relation: every source row with typed columns, context, `__ls_skip` and `__ls_bad`. */
export function checkedSql(plan: TablePlan, numberedSource: string): string {
  const srcCols = plan.src.columns
    .map((c, i) => `, ${sourceAlias(i)}${c.nested ? `, ${nestedAlias(i)}, __j_${i}` : ''}`)
    .join('');
  const rawCols = Object.entries(plan.raw)
    .map(([c, sql]) => `, ${sql} AS ${raw(c)}`)
    .join('');
  const rawSkips = Object.entries(plan.rawSkip)
    .map(([c, sql]) => `, ${sql} AS ${quoteIdent(`__k_${c}`)}`)
    .join('');
  const from = plan.lookup
    ? `${numberedSource} src LEFT JOIN ${plan.lookup.relation} lk
      ON lk.key = ${cleanTextSql(`src.${sourceAlias(plan.lookup.sourceColumn)}`)}`
    : numberedSource;
  const bad = plan.checks.length ? plan.checks.map((k) => `coalesce(${k.when}, false)`).join(' OR ') : 'false';
  return `(SELECT *, NOT __ls_skip AND (${bad}) AS __ls_bad FROM (
    SELECT *, ${skipSql(plan)} AS __ls_skip FROM (
    SELECT *${selectList(plan.context)} FROM (
      SELECT *${selectList(plan.typed)} FROM (
        SELECT *${selectList(plan.helpers)} FROM (
          SELECT *${selectList(plan.parts)} FROM (
            SELECT __ls_row${rawCols}${rawSkips}${srcCols} FROM ${from}
          )))))))`;
}

/** SQL list of the row's problems: [{col, kind, msg}, ...] in check order. */
export function problemsSql(checks: Check[]): string {
  const items = checks.map(
    (k) =>
      `CASE WHEN coalesce(${k.when}, false) THEN {'col': ${k.column === null ? 'NULL' : lit(k.column)}, ` +
      `'kind': ${lit(k.kind)}, 'msg': ${k.message}} END`,
  );
  return `list_filter([${items.join(', ')}], p -> p IS NOT NULL)`;
}

/** SQL JSON object of the row exactly as read: source column name -> text. */
export function rawRowSql(src: Source): string {
  const pairs = src.columns.map((c, i) => `${lit(c.name)}, ${rawValueSql(src, i)}`);
  return `json_object(${pairs.join(', ')})`;
}
