import { DataError } from '../errors.ts';
import { MAX_CSV_LINE_BYTES, quoteIdent, type Warehouse } from '../store/index.ts';
import { describeDialect } from './csv-dialect.ts';
import { cut } from './messages.ts';
import { rejectTables, type Source } from './source.ts';

/**
 * Lines of a CSV file that cannot be split into the header's columns. A ragged line (too many or too
 * few fields) or an over-long one is that line's problem: it is quarantined with its line number and
 * the rest of the file loads. Two problems are the whole file's: bytes that are not in its encoding
 * (the file is in another encoding: every line with an accent would be lost) and a quote that never
 * closes (it swallows the lines after it, which could then be neither loaded nor reported).
 */

/** One unreadable line, as it goes to rejected_rows. */
export interface LineReject {
  /** the data row number: line - 1 */
  row: number;
  kind: string;
  reason: string;
  /** the line as read, cut to a readable length */
  text: string;
}

interface RejectRow {
  line: number;
  error_type: string;
  csv_line: string | null;
  error_message: string;
}

const fmtBytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} KB`);

function lineReject(r: RejectRow, columns: number): LineReject {
  const line = Number(r.line);
  const text = cut(r.csv_line ?? '', 1000);
  const found = /Found:\s*(\d+)/.exec(r.error_message)?.[1];
  switch (r.error_type) {
    case 'TOO MANY COLUMNS':
    case 'MISSING COLUMNS':
      return {
        row: line - 1,
        kind: 'ragged_line',
        // DuckDB stops counting one field past the header's, so "too many" gives no count
        reason:
          r.error_type === 'TOO MANY COLUMNS'
            ? `line ${line}: more fields than the header's ${columns} (a value containing the delimiter must be quoted)`
            : `line ${line}: ${found ?? 'fewer'} of the header's ${columns} fields`,
        text,
      };
    case 'LINE SIZE OVER MAXIMUM': {
      const size = Number(/Actual Size:\s*(\d+)/.exec(r.error_message)?.[1] ?? NaN);
      return {
        row: line - 1,
        kind: 'line_too_long',
        reason:
          `line ${line} is ${Number.isFinite(size) ? fmtBytes(size) : 'too'} long; ` +
          `a line may be at most ${fmtBytes(MAX_CSV_LINE_BYTES)}`,
        text,
      };
    }
    default:
      return { row: line - 1, kind: 'unreadable_line', reason: `line ${line}: ${cut(r.error_message, 200)}`, text };
  }
}

/**
 * After the first full read of a CSV source: its unreadable lines (and `src.skipped`, so later reads
 * number rows as the file does). Refuses the file, with the line and a hint, for encoding and quote errors.
 */
export async function settleStructure(w: Warehouse, src: Source, what: string): Promise<LineReject[]> {
  if (src.format !== 'csv') return [];
  const t = rejectTables(src);
  const rows = await w.all<RejectRow>(
    `SELECT line, any_value(error_type ORDER BY error_type) AS error_type, any_value(csv_line) AS csv_line,
       any_value(error_message ORDER BY error_type) AS error_message
     FROM ${quoteIdent(t.table)} GROUP BY line ORDER BY line`,
  );
  const encoding = rows.filter((r) => /ENCODING|UNICODE/.test(r.error_type));
  if (encoding.length > 0) {
    const d = src.dialect!;
    throw new DataError(
      `cannot read ${what} file ${src.shown}: ${encoding.length} line(s) are not valid ${d.encoding}, ` +
        `the first at line ${encoding[0].line}`,
      d.encoding === 'utf-8'
        ? 'if the file was saved as Latin-1 or Windows-1252 (Excel on Windows often does), pass --encoding latin-1; ' +
            'if only these lines are damaged, fix them'
        : `state the file's encoding with --encoding (utf-8, latin-1 or utf-16)`,
    );
  }
  const quote = rows.find((r) => r.error_type === 'UNQUOTED VALUE');
  if (quote) {
    const first = cut((quote.csv_line ?? '').split(/\r?\n/)[0], 80);
    throw new DataError(
      `cannot read ${what} file ${src.shown}: ` +
        `at line ${quote.line} a quoted value does not close properly (${first}); ` +
        `the lines after it would be read as part of it (read with ${describeDialect(src.dialect!)})`,
      `fix the quotes on line ${quote.line} (a quote inside a quoted value is written twice: ""); ` +
        `if quote characters in this file are plain text, pass --quote ''`,
    );
  }
  const out = rows.map((r) => lineReject(r, src.columns.length));
  src.skipped = out.map((r) => r.row);
  return out;
}

/** Drop the temp tables of a source's unreadable lines. */
export async function dropStructure(w: Warehouse, src: Source): Promise<void> {
  if (src.format !== 'csv') return;
  const t = rejectTables(src);
  await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t.table)}; DROP TABLE IF EXISTS ${quoteIdent(t.scans)}`);
}
