import { DataError, UsageError } from '../errors.ts';
import type { RejectSample, TableReport } from './types.ts';

/** What the check needs of a file's report. */
export type RejectCounts = Pick<TableReport, 'source_file' | 'read' | 'rejected' | 'skipped' | 'reasons'> & {
  table: string;
};

/**
 * When a file is refused whole: every row rejected, or more than --max-reject-rate of them. A file
 * that bad is a wrong mapping, date format or file, not a few bad rows; loading the rest would hide it.
 */

/** The default share of a file's rows that may be rejected before the file is refused. */
export const DEFAULT_MAX_REJECT_RATE = 0.5;

/** Check a --max-reject-rate value. */
export function checkRejectRate(rate: number | undefined): number {
  const r = rate ?? DEFAULT_MAX_REJECT_RATE;
  if (!Number.isFinite(r) || r < 0 || r > 1)
    throw new UsageError(`--max-reject-rate must be between 0 and 1, got ${rate}`, 'e.g. --max-reject-rate 0.1');
  return r;
}

function hintFor(top: string | undefined): string {
  if (top?.endsWith('bad_date'))
    return (
      'state the date format with --date-format (e.g. "%d-%m-%Y" or dd-mm-yyyy HH:MM) ' +
      'or date_format in the mapping'
    );
  if (top?.endsWith('unknown_lead'))
    return 'ingest the leads file first (or in the same call), or map lead_id to the column that holds the lead id';
  if (top?.endsWith('ragged_line')) return 'state the delimiter with --delimiter, or quote the values that contain it';
  return 'fix the file or the mapping; --max-reject-rate 1 loads the valid rows anyway (unless every row is rejected)';
}

/** Throw a DataError (exit 3; nothing is written) when a file's rejected rows are all or too many of its rows. */
export function checkRejects(report: RejectCounts, rate: number, samples: RejectSample[]): void {
  const considered = report.read - Object.values(report.skipped).reduce((s, n) => s + n, 0);
  if (report.rejected === 0 || considered <= 0) return;
  const share = report.rejected / considered;
  if (report.rejected < considered && share <= rate) return;
  const reasons = Object.entries(report.reasons).sort((a, b) => b[1] - a[1]);
  const lines = reasons.slice(0, 3).map(([k, n]) => `  ${k}: ${n} row(s)`);
  const examples = samples.slice(0, 3).map((s) => `  row ${s.row_number}: ${s.reason}`);
  const what =
    report.rejected === considered
      ? `every row (${report.rejected}) was rejected`
      : `${report.rejected} of ${considered} rows (${(share * 100).toFixed(0)}%) were rejected, ` +
        `more than --max-reject-rate ${rate}`;
  throw new DataError(
    `${report.table} file ${report.source_file}: ${what}, so nothing was written.\n` +
      `most common reasons:\n${lines.join('\n')}\nfirst rejected rows:\n${examples.join('\n')}`,
    hintFor(reasons[0]?.[0]),
  );
}
