import fs from 'node:fs';
import path from 'node:path';
import { DataError } from '../errors.ts';
import {
  csvReaderSql,
  formatOf,
  jsonLinesReaderSql,
  quoteIdent,
  quoteLiteral,
  type CsvDialect,
  type FileFormat,
  type Warehouse,
} from '../store/index.ts';
import { csvDialect, type CsvOptions } from './csv-dialect.ts';
import { cutMessage } from './messages.ts';

/** One source column: its name, the type the reader gives it, and whether its values can be nested. */
export interface SourceColumn {
  name: string;
  type: string;
  /** 'json': a JSON value that may be an object or array; 'always': a nested Parquet type */
  nested?: 'json' | 'always';
}

/** A source file that exists, is readable and non-empty, with its columns and (for CSV) its dialect. */
export interface Source {
  /** absolute path: the identity used in rejected_rows */
  file: string;
  /** the path as the user gave it, for messages */
  shown: string;
  format: FileFormat;
  columns: SourceColumn[];
  dialect?: CsvDialect;
  /** a short unique tag, for the temp tables that record this source's unreadable lines */
  tag: string;
  /** data row numbers (line - 1) of CSV lines the reader skipped, ascending; known after the first full read */
  skipped: number[];
}

let tags = 0;

/** Fail fast (before anything is written) if a file is missing, unreadable, a folder or empty. */
export function checkSourceFile(file: string, what: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DataError(`${what} file not found: ${file}`, `check the path (relative paths start at ${process.cwd()})`);
  }
  if (stat.isDirectory())
    throw new DataError(
      `${what} path is a folder, not a file: ${file}`,
      'pass the path of a CSV, Parquet or JSON lines file',
    );
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new DataError(`${what} file is not readable: ${file}`, 'check the file permissions');
  }
  if (stat.size === 0)
    throw new DataError(`${what} file is empty: ${file}`, 'export the data again; the file has no header and no rows');
}

/** The temp tables where the CSV reader records the lines it could not read. */
export function rejectTables(src: Source): { table: string; scans: string } {
  return { table: `__ls_csv_rejects_${src.tag}`, scans: `__ls_csv_scans_${src.tag}` };
}

/**
 * The reader of a source. CSV: every column text, the dialect stated, unreadable lines skipped (and
 * recorded, with `record`); JSON lines: top-level values kept as JSON; Parquet: its own types.
 */
export function rawReaderSql(src: Source, record = false): string {
  if (src.format === 'csv') return csvReaderSql(src.file, src.dialect!, record ? { rejects: rejectTables(src) } : {});
  if (src.format === 'json') return jsonLinesReaderSql(src.file);
  return `read_parquet(${quoteLiteral(src.file)})`;
}

/** SQL of a source column's value as text: NULL for a nested value (which `nestedSql` flags). */
export function textSql(c: SourceColumn): string {
  const ref = quoteIdent(c.name);
  if (c.nested === 'json') return `CASE WHEN json_type(${ref}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE ${ref}->>'$' END`;
  if (c.nested === 'always') return `CAST(NULL AS VARCHAR)`;
  return c.type === 'VARCHAR' ? ref : `CAST(${ref} AS VARCHAR)`;
}

/** SQL: TRUE when this row's value of the column is an object or a list rather than one value. */
export function nestedSql(c: SourceColumn): string {
  const ref = quoteIdent(c.name);
  if (c.nested === 'json') return `coalesce(json_type(${ref}) IN ('OBJECT', 'ARRAY'), false)`;
  return `${ref} IS NOT NULL`;
}

/** The alias of the i-th source column's text in a numbered source. */
export function sourceAlias(i: number): string {
  return `__s_${i}`;
}

/**
 * SQL: the text `v` trimmed, NULL when empty: `nullif(trim(v), '')`, exactly. DuckDB's trim strips the Unicode space
 * separators (U+0020, U+00A0, U+2000-U+200A, U+3000, ...) and copies every value; most values are ASCII without a
 * space at either end, where trim changes nothing, and telling them apart costs less than half the trim (1M
 * activities, seven columns: 10.4 -> 6.0 CPU s per read of the file).
 */
export function cleanTextSql(v: string): string {
  const untouched = `NOT (starts_with(${v}, ' ') OR ends_with(${v}, ' ')) AND strlen(${v}) = length(${v})`;
  return `CASE WHEN ${untouched} THEN nullif(${v}, '') ELSE nullif(trim(${v}), '') END`;
}

/** The alias of the i-th source column's "nested value" flag (only for columns that can be nested). */
export function nestedAlias(i: number): string {
  return `__n_${i}`;
}

function columnsSql(src: Source): string {
  return src.columns
    .map((c, i) => {
      const text = `${textSql(c)} AS ${sourceAlias(i)}`;
      const raw = c.nested ? `, CAST(${quoteIdent(c.name)} AS VARCHAR) AS __j_${i}` : '';
      return c.nested ? `${text}, ${nestedSql(c)} AS ${nestedAlias(i)}${raw}` : text;
    })
    .join(', ');
}

/** SQL of the i-th column as read, for the raw row of a rejected row (nested values as their JSON). */
export function rawValueSql(src: Source, i: number): string {
  return src.columns[i].nested
    ? `CASE WHEN ${nestedAlias(i)} THEN __j_${i} ELSE ${sourceAlias(i)} END`
    : sourceAlias(i);
}

/**
 * The source as a relation: the 1-based data row number `__ls_row` (the first row after the header is
 * 1; for CSV the line number minus one, counting the lines the reader skipped, unless a quoted field
 * spans lines or blank lines come before; for JSON lines the line number; for Parquet the row index + 1),
 * every column's text as `__s_<i>`, and `__n_<i>` flags for columns that can hold nested values.
 * `row_number() OVER ()` runs as DuckDB's order-preserving streaming window, so it follows file order.
 */
export function numberedSourceSql(src: Source, record = false): string {
  const read = `(SELECT row_number() OVER () AS __ls_k, ${columnsSql(src)} FROM ${rawReaderSql(src, record)})`;
  if (src.skipped.length === 0) return `(SELECT __ls_k AS __ls_row, * EXCLUDE (__ls_k) FROM ${read})`;
  // the k-th row read comes after every skipped line whose count of rows read before it is below k
  const thresholds = src.skipped.map((s, i) => s - (i + 1));
  const skips = `(SELECT t, max(i) AS i FROM (SELECT unnest([${thresholds.join(', ')}]) AS t,
    unnest(range(1, ${thresholds.length + 1})) AS i) GROUP BY t)`;
  return `(SELECT r.__ls_k + coalesce(s.i, 0) AS __ls_row, r.* EXCLUDE (__ls_k)
    FROM ${read} r ASOF LEFT JOIN ${skips} s ON r.__ls_k > s.t)`;
}

/** The source without row numbers (`__ls_row` NULL): DuckDB reads and checks it in parallel. */
export function unnumberedSourceSql(src: Source, record = false): string {
  return `(SELECT CAST(NULL AS BIGINT) AS __ls_row, ${columnsSql(src)} FROM ${rawReaderSql(src, record)})`;
}

const NESTED_TYPE = /STRUCT|MAP|UNION|\[\]|\[\d+\]/i;

/** Check a file and read its header or schema; a file DuckDB cannot parse is a DataError naming it. */
export async function openSource(w: Warehouse, file: string, what: string, csv: CsvOptions = {}): Promise<Source> {
  checkSourceFile(file, what);
  const src: Source = {
    file: path.resolve(file),
    shown: file,
    format: formatOf(file),
    columns: [],
    tag: String(++tags),
    skipped: [],
  };
  if (src.format === 'csv') {
    src.dialect = csvDialect(src.file, file, what, csv);
    src.columns = src.dialect.columns.map((name) => ({ name, type: 'VARCHAR' }));
    return src;
  }
  try {
    const rows = await w.all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM ${rawReaderSql(src)}`,
    );
    src.columns = rows.map((r) => ({
      name: r.column_name,
      type: r.column_type,
      nested: src.format === 'json' ? 'json' : NESTED_TYPE.test(r.column_type) ? 'always' : undefined,
    }));
  } catch (err) {
    throw readError(err, src, what);
  }
  if (src.columns.length === 0)
    throw new DataError(`${what} file has no columns: ${file}`, 'the first line must be a header naming the columns');
  return src;
}

/** Turn a DuckDB reader error into a DataError that names the file, cut to what a person needs. */
export function readError(err: unknown, src: Source, what: string): DataError {
  return new DataError(
    `cannot read ${what} file ${src.shown} as ${src.format.toUpperCase()}: ${cutMessage((err as Error).message)}`,
    src.format === 'csv'
      ? 'check that it is a CSV file with a header row; state its dialect with --delimiter, --quote and --encoding'
      : `check that it is a valid ${src.format === 'json' ? 'JSON lines' : 'Parquet'} file, or give it the ` +
          `right extension (.csv, .parquet, .jsonl)`,
  );
}
