import fs from 'node:fs';
import path from 'node:path';
import { DataError } from '../errors.ts';
import { formatOf, quoteIdent, quoteLiteral, readFileSql, type FileFormat, type Warehouse } from '../store/index.ts';

/** One source column: its name and the type the reader gives it (VARCHAR for CSV). */
export interface SourceColumn {
  name: string;
  type: string;
}

/** A source file that exists, is readable and non-empty, with its columns. */
export interface Source {
  /** absolute path: the identity used in rejected_rows */
  file: string;
  /** the path as the user gave it, for messages */
  shown: string;
  format: FileFormat;
  columns: SourceColumn[];
}

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

/**
 * The reader for a source with every column as text. For CSV we read all_varchar without a
 * full-file sniff (types are not inferred, so the default sample is enough for the dialect and it
 * avoids reading a large file twice); Parquet and JSON lines keep their types (cast to text later).
 */
export function rawReaderSql(src: Source): string {
  if (src.format === 'csv') return `read_csv(${quoteLiteral(src.file)}, header = true, all_varchar = true)`;
  return readFileSql(src.file, src.format);
}

/**
 * The source as a relation with the 1-based data row number `__ls_row` (header excluded: the
 * first data row is 1; for CSV it is the line number minus one unless a quoted field spans lines;
 * for JSON lines the line number; for Parquet the row index + 1) and every column as VARCHAR.
 * `row_number() OVER ()` runs as DuckDB's order-preserving streaming window, so it follows file order.
 */
export function numberedSourceSql(src: Source): string {
  const cols = src.columns.map((c) => `CAST(${quoteIdent(c.name)} AS VARCHAR) AS ${quoteIdent(c.name)}`).join(', ');
  return `(SELECT row_number() OVER () AS __ls_row, ${cols} FROM ${rawReaderSql(src)})`;
}

/**
 * The source without row numbers (every column as VARCHAR, `__ls_row` NULL): lets DuckDB read and
 * check in parallel, for passes that need no row order (counting, activities' writes).
 */
export function unnumberedSourceSql(src: Source): string {
  const cols = src.columns.map((c) => `CAST(${quoteIdent(c.name)} AS VARCHAR) AS ${quoteIdent(c.name)}`).join(', ');
  return `(SELECT CAST(NULL AS BIGINT) AS __ls_row, ${cols} FROM ${rawReaderSql(src)})`;
}

/** Check a file and read its header/schema; a file DuckDB cannot parse is a DataError naming it. */
export async function openSource(w: Warehouse, file: string, what: string): Promise<Source> {
  checkSourceFile(file, what);
  const src: Source = { file: path.resolve(file), shown: file, format: formatOf(file), columns: [] };
  try {
    const rows = await w.all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM ${rawReaderSql(src)}`,
    );
    src.columns = rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  } catch (err) {
    throw readError(err, src, what);
  }
  if (src.columns.length === 0)
    throw new DataError(`${what} file has no columns: ${file}`, 'the first line must be a header naming the columns');
  return src;
}

/** Fail if a source has no data rows (a header alone is not data); reads only the first row. */
export async function checkHasRows(w: Warehouse, src: Source, what: string): Promise<void> {
  let rows: unknown[];
  try {
    rows = await w.all(`SELECT 1 AS x FROM ${rawReaderSql(src)} LIMIT 1`);
  } catch (err) {
    throw readError(err, src, what);
  }
  if (rows.length === 0)
    throw new DataError(
      `${what} file has a header but no data rows: ${src.shown}`,
      'export the data again, or leave this file out',
    );
}

/** Turn a DuckDB reader error into a DataError that names the file. */
export function readError(err: unknown, src: Source, what: string): DataError {
  const msg = (err as Error).message.split('\n').slice(0, 3).join(' ');
  return new DataError(
    `cannot read ${what} file ${src.shown} as ${src.format.toUpperCase()}: ${msg}`,
    src.format === 'csv'
      ? 'check that it is a CSV with a header row and the same number of fields on every line (quote fields that contain commas)'
      : `check that it is a valid ${src.format === 'json' ? 'JSON lines' : 'Parquet'} file, or give it the right extension (.csv, .parquet, .jsonl)`,
  );
}
