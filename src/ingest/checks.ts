import type { ColumnSpec } from '../schema/index.ts';
import { quoteIdent, quoteLiteral } from '../store/index.ts';
import type { Source } from './source.ts';

/**
 * Validation as SQL. A table plan turns a numbered all-text source into typed canonical columns
 * in layers (raw text -> helpers -> typed -> context such as duplicates), and a list of checks;
 * each check is a SQL condition that marks the row bad and a SQL message naming the column and
 * the expected form. Everything runs inside DuckDB: no row passes through JavaScript.
 */
export interface Check {
  column: string;
  /** short machine name of the problem: missing, bad_date, not_a_number, ... */
  kind: string;
  /** SQL condition over the checked relation; NULL counts as "fine" */
  when: string;
  /** SQL string expression: the reason stored in rejected_rows */
  message: string;
}

/** The layered SQL for one source file and one canonical table. */
export interface TablePlan {
  table: string;
  src: Source;
  /** canonical column -> source column */
  columns: Map<string, string>;
  /** name -> SQL over raw values (`raw(col)`), e.g. parsed numbers */
  helpers: Record<string, string>;
  /** canonical (and extras) column -> SQL over raw values and helpers */
  typed: Record<string, string>;
  /** name -> SQL over typed columns (windows, lookups) */
  context: Record<string, string>;
  checks: Check[];
  /** true when a check depends on file order (duplicates: first occurrence wins) */
  ordered: boolean;
}

/** The alias of a canonical column's trimmed raw text (NULL when empty or not in the source). */
export function raw(column: string): string {
  return quoteIdent(`__r_${column}`);
}

/** The alias of the i-th source column, as text. */
export function sourceAlias(i: number): string {
  return `__s_${i}`;
}

/** A value as it appeared, quoted like JSON ("31/02/2024"), for messages. */
export function shown(sql: string): string {
  return `CAST(to_json(${sql}) AS VARCHAR)`;
}

const ISO_FORM = 'ISO 8601 (YYYY-MM-DD[ HH:MM:SS])';

/** How a date format is described in messages. */
export function dateForm(format: string | undefined): string {
  return format ? format : ISO_FORM;
}

/**
 * SQL parsing raw text to a UTC TIMESTAMP. ISO 8601: date or date-time, `T` or space, optional
 * fraction, `Z` or an offset (offsets are converted to UTC; plain values are taken as UTC). A
 * custom strftime format applies to text sources; typed date columns (Parquet, JSON) are always ISO.
 */
export function dateSql(rawSql: string, format: string | undefined, sourceIsTemporal: boolean): string {
  if (format && !sourceIsTemporal) {
    const parsed = `try_strptime(${rawSql}, ${quoteLiteral(format)})`;
    return /%[zZ]/.test(format) ? `timezone('UTC', ${parsed})` : parsed;
  }
  // only values with an offset after the date part need the (slower) zone-aware cast
  const tail = `${rawSql}[11:]`;
  return `CASE WHEN contains(${tail}, '+') OR contains(${tail}, '-') THEN timezone('UTC', TRY_CAST(${rawSql} AS TIMESTAMPTZ)) ELSE TRY_CAST(${rawSql} AS TIMESTAMP) END`;
}

/** True when a source column's type is already a date or timestamp (Parquet, JSON). */
export function isTemporalType(type: string | undefined): boolean {
  return type !== undefined && /^(DATE|TIMESTAMP)/i.test(type);
}

const msg = (column: string, text: string) => quoteLiteral(`${column}: ${text}`);

/** Typed expressions and checks for one canonical column, from its spec. */
export function addColumn(
  plan: TablePlan,
  spec: ColumnSpec,
  opts: { dateFormat?: string; nonNegative?: boolean; allowed?: readonly string[] } = {},
): void {
  const c = spec.name;
  const r = raw(c);
  const t = quoteIdent(c);
  if (spec.required) {
    const expected = spec.sqlType === 'TIMESTAMP' ? `a date in format ${dateForm(opts.dateFormat)}` : 'a value';
    plan.checks.push({
      column: c,
      kind: 'missing',
      when: `${r} IS NULL`,
      message: msg(c, `missing (${expected} is required)`),
    });
  }
  if (opts.allowed) {
    const list = opts.allowed.map(quoteLiteral).join(', ');
    plan.typed[c] = `CASE WHEN lower(${r}) IN (${list}) THEN lower(${r}) END`;
    plan.checks.push({
      column: c,
      kind: 'not_allowed',
      when: `${r} IS NOT NULL AND ${t} IS NULL`,
      message: `${quoteLiteral(`${c}: `)} || ${shown(r)} || ${quoteLiteral(` is not one of ${opts.allowed.join(', ')}`)}`,
    });
    return;
  }
  switch (spec.sqlType) {
    case 'VARCHAR':
      plan.typed[c] = r;
      return;
    case 'TIMESTAMP': {
      const srcCol = plan.columns.get(c);
      const temporal = isTemporalType(plan.src.columns.find((s) => s.name === srcCol)?.type);
      plan.typed[c] = dateSql(r, opts.dateFormat, temporal);
      const form = temporal ? ISO_FORM : dateForm(opts.dateFormat);
      plan.checks.push({
        column: c,
        kind: 'bad_date',
        when: `${r} IS NOT NULL AND ${t} IS NULL`,
        message: `${quoteLiteral(`${c}: `)} || ${shown(r)} || ${quoteLiteral(` is not a date in format ${form}`)}`,
      });
      return;
    }
    case 'BIGINT':
    case 'DOUBLE': {
      const whole = spec.sqlType === 'BIGINT';
      const d = quoteIdent(`__d_${c}`);
      // DuckDB reads 'true'/'false' as 1/0; a boolean is not a number here
      plan.helpers[`__d_${c}`] = `CASE WHEN lower(${r}) NOT IN ('true', 'false') THEN TRY_CAST(${r} AS DOUBLE) END`;
      plan.typed[c] = whole
        ? `CASE WHEN isfinite(${d}) AND ${d} = floor(${d}) THEN TRY_CAST(${d} AS BIGINT) END`
        : `CASE WHEN isfinite(${d}) THEN ${d} END`;
      const expected = `must be ${whole ? 'a whole number' : 'a number'}${opts.nonNegative ? ' >= 0' : ''}`;
      const said = (text: string) => `${quoteLiteral(`${c}: `)} || ${r} || ${quoteLiteral(` ${text} (${expected})`)}`;
      plan.checks.push({
        column: c,
        kind: 'not_a_number',
        when: `${r} IS NOT NULL AND (${d} IS NULL OR NOT isfinite(${d}))`,
        message: `${quoteLiteral(`${c}: `)} || ${shown(r)} || ${quoteLiteral(` is not a number (${expected})`)}`,
      });
      if (whole) {
        plan.checks.push({
          column: c,
          kind: 'not_whole',
          when: `isfinite(${d}) AND ${d} <> floor(${d})`,
          message: said('is not a whole number'),
        });
        plan.checks.push({
          column: c,
          kind: 'too_large',
          when: `isfinite(${d}) AND ${d} = floor(${d}) AND ${t} IS NULL`,
          message: said('is too large'),
        });
      }
      if (opts.nonNegative)
        plan.checks.push({ column: c, kind: 'negative', when: `${d} < 0`, message: said('is negative') });
      return;
    }
  }
}

function selectList(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([name, sql]) => `, ${sql} AS ${quoteIdent(name)}`)
    .join('');
}

/** SQL of the checked relation: every source row with typed columns, context and `__ls_bad`. */
export function checkedSql(plan: TablePlan, numberedSource: string): string {
  const rawCols = [...plan.columns]
    .map(([canon, srcCol]) => `, nullif(trim(${quoteIdent(srcCol)}), '') AS ${raw(canon)}`)
    .join('');
  const srcCols = plan.src.columns.map((c, i) => `, ${quoteIdent(c.name)} AS ${sourceAlias(i)}`).join('');
  const bad = plan.checks.length ? plan.checks.map((k) => `coalesce(${k.when}, false)`).join(' OR ') : 'false';
  return `(SELECT *, (${bad}) AS __ls_bad FROM (
    SELECT *${selectList(plan.context)} FROM (
      SELECT *${selectList(plan.typed)} FROM (
        SELECT *${selectList(plan.helpers)} FROM (
          SELECT __ls_row${rawCols}${srcCols} FROM ${numberedSource}
        )))))`;
}

/** SQL list of the row's problems: [{col, kind, msg}, ...] in check order. */
export function problemsSql(checks: Check[]): string {
  const items = checks.map(
    (k) =>
      `CASE WHEN coalesce(${k.when}, false) THEN {'col': ${quoteLiteral(k.column)}, 'kind': ${quoteLiteral(k.kind)}, 'msg': ${k.message}} END`,
  );
  return `list_filter([${items.join(', ')}], p -> p IS NOT NULL)`;
}

/** SQL JSON object of the row exactly as read: source column name -> text. */
export function rawRowSql(src: Source): string {
  const pairs = src.columns.map((c, i) => `${quoteLiteral(c.name)}, ${sourceAlias(i)}`);
  return `json_object(${pairs.join(', ')})`;
}
