/** Reading and naming data files: CSV, Parquet and JSON lines, as DuckDB table functions. */
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

/** Guess a file's format from its extension. */
export function formatOf(file: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') return 'json';
  return 'csv';
}
