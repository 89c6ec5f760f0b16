/** Reading and naming data files: CSV, Parquet and JSON lines, as DuckDB table functions. */
import fs from 'node:fs';
import path from 'node:path';
import { quoteLiteral } from './quote.ts';

/** The file formats leadscore reads and writes. */
export type FileFormat = 'csv' | 'parquet' | 'json';

/** The DuckDB table function that reads a file of the given format (types inferred, or all text). */
export function readFileSql(file: string, format: FileFormat, opts: { allVarchar?: boolean } = {}): string {
  const f = quoteLiteral(file);
  switch (format) {
    case 'csv':
      return opts.allVarchar
        ? `read_csv(${f}, header = true, all_varchar = true, sample_size = -1)`
        : `read_csv(${f}, header = true, sample_size = -1)`;
    case 'parquet':
      return `read_parquet(${f})`;
    case 'json':
      return `read_json(${f}, format = 'newline_delimited')`;
  }
}

/** How a CSV file is written: given or read from its header line, never guessed from a sample of rows. */
export interface CsvDialect {
  delimiter: string;
  /** '' for none: quote characters are then ordinary text */
  quote: string;
  escape: string;
  /** DuckDB's names: utf-8, utf-16, latin-1 */
  encoding: string;
  /** the header's column names, in order, unique */
  columns: string[];
}

/** Options of csvReaderSql. */
export interface CsvReadOptions {
  /** record lines DuckDB cannot split into the header's columns in these temp tables (else skip them) */
  rejects?: { table: string; scans: string };
}

/** Longest CSV line accepted (DuckDB's default): a longer line is skipped and recorded as a reject. */
export const MAX_CSV_LINE_BYTES = 2_000_000;

/**
 * A CSV reader with the dialect stated, not sniffed: every column text, header line skipped, and lines
 * that do not fit the header (ragged, unterminated quote, bad encoding, too long) skipped, and recorded
 * when `rejects` is given, with their line numbers. Blank lines are skipped.
 */
export function csvReaderSql(file: string, d: CsvDialect, opts: CsvReadOptions = {}): string {
  const cols = d.columns.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ');
  const parts = [
    quoteLiteral(file),
    'header = true',
    'auto_detect = false',
    `delim = ${quoteLiteral(d.delimiter)}`,
    `quote = ${quoteLiteral(d.quote)}`,
    `escape = ${quoteLiteral(d.escape)}`,
    `encoding = ${quoteLiteral(d.encoding)}`,
    `columns = {${cols}}`,
    `max_line_size = ${MAX_CSV_LINE_BYTES}`,
  ];
  if (opts.rejects) {
    parts.push(
      'store_rejects = true',
      `rejects_table = ${quoteLiteral(opts.rejects.table)}`,
      `rejects_scan = ${quoteLiteral(opts.rejects.scans)}`,
    );
  } else parts.push('ignore_errors = true');
  return `read_csv(${parts.join(', ')})`;
}

/** A JSON lines reader that keeps each top-level value as JSON (nested values are not unpacked into types). */
export function jsonLinesReaderSql(file: string): string {
  return `read_json(${quoteLiteral(file)}, format = 'newline_delimited', maximum_depth = 1, sample_size = -1)`;
}

/** Guess a file's format from its extension. */
export function formatOf(file: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') return 'json';
  return 'csv';
}

/** COPY ... TO options for a format; Parquet can carry key-value metadata (read back by parquet_kv_metadata). */
export function copyOptionsSql(format: FileFormat, metadata?: Record<string, string>): string {
  if (format === 'csv') return '(FORMAT CSV, HEADER true)';
  if (format === 'json') return '(FORMAT JSON)';
  const kv = Object.entries(metadata ?? {}).map(([k, v]) => `${quoteLiteral(k)}: ${quoteLiteral(v)}`);
  return kv.length ? `(FORMAT PARQUET, KV_METADATA {${kv.join(', ')}})` : '(FORMAT PARQUET)';
}

/** A DuckDB database file: "DUCK" at bytes 8-11 of its header (an empty file is a new database). */
export function isDuckDbFile(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return true; // unreadable: DuckDB's own open names the problem
  }
  try {
    const head = Buffer.alloc(12);
    const n = fs.readSync(fd, head, 0, 12, 0);
    return n === 0 || (n === 12 && head.toString('latin1', 8, 12) === 'DUCK');
  } finally {
    fs.closeSync(fd);
  }
}
