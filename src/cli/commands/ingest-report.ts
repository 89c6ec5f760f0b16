import type { FlatIngestReport, IngestReport, RejectSample } from '../../pipelines/ingest-run.ts';
import { printTable, writeOut } from '../output.ts';

/** How `leadscore ingest` prints its report: counts per file, then what each file filled, then rejects. */

type FileReport = IngestReport['files'][number];

function printSamples(samples: RejectSample[], total: number): void {
  if (samples.length === 0) return;
  writeOut(`\nfirst rejected rows (all ${total} are in the rejected_rows table):\n`);
  for (const s of samples) writeOut(`  ${s.table} row ${s.row_number}: ${s.reason}\n`);
}

function printReasons(byReason: Record<string, number>): void {
  const entries = Object.entries(byReason);
  if (entries.length === 0) return;
  writeOut('\nrejected rows by reason:\n');
  printTable(entries.map(([reason, rows]) => ({ reason, rows })));
}

const kv = (o: Record<string, number | string>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
    .join(', ');

/** What one file filled: canonical columns with their values, empty ones, extras, ranges, dates, merged, skipped. */
function printCoverage(f: FileReport): void {
  writeOut(`\n${f.table} from ${f.source_file} (${f.read_as}${f.dialect ? `; ${f.dialect}` : ''}):\n`);
  const lines: Array<[string, string]> = [
    [
      'filled',
      Object.entries(f.filled)
        .map(([c, n]) => `${c} ${n.toLocaleString('en-US')}${f.sources[c] ? ` (${f.sources[c]})` : ''}`)
        .join(', '),
    ],
    ['empty', f.empty.join(', ')],
    ['extras', f.extras.join(', ')],
    ['not loaded', f.dropped.join(', ')],
    [
      'ranges',
      Object.entries(f.ranges)
        .map(
          ([c, n]) =>
            `${c}: ${n} values were ranges (e.g. 201-500), loaded as their lower bound, ` +
            `the range kept in extras.${c}_band`,
        )
        .join('; '),
    ],
    ['dates', kv(f.date_formats)],
    [
      'merged',
      f.merged
        ? `${f.merged} rows identical to another` +
          `${f.table === 'activities' ? ' (in the file or already stored)' : ' in the file'}, stored once`
        : '',
    ],
    ['skipped', kv(f.skipped)],
  ];
  for (const [label, text] of lines) if (text) writeOut(`  ${label.padEnd(10)} ${text}\n`);
}

/** The report of a CRM ingest, as text. */
export function printReport(r: IngestReport): void {
  writeOut(`run ${r.run_id}\n`);
  printTable(
    r.files.map((t) => ({
      table: t.table,
      read: t.read,
      loaded: t.loaded,
      rejected: t.rejected,
      skipped: Object.values(t.skipped).reduce((s, n) => s + n, 0),
      new_rows: t.added,
      file: t.source_file,
    })),
  );
  for (const f of r.files) printCoverage(f);
  if (r.repaired?.length)
    writeOut(`\nrepaired: this ingest completed the interrupted ingest ${r.repaired.join(', ')}\n`);
  const byColumn: Record<string, number> = {};
  for (const t of r.files)
    for (const [k, n] of Object.entries(t.reasons))
      byColumn[`${t.table}.${k}`] = (byColumn[`${t.table}.${k}`] ?? 0) + n;
  printReasons(byColumn);
  printSamples(
    r.samples,
    r.files.reduce((s, x) => s + x.rejected, 0),
  );
}

/** The report of a flat ingest, as text. */
export function printFlatReport(r: FlatIngestReport): void {
  writeOut(`run ${r.run_id}\n`);
  printTable([
    {
      table: r.table,
      read: r.read,
      loaded: r.loaded,
      rejected: r.rejected,
      positive: r.positives,
      file: r.source_file,
    },
  ]);
  printReasons(Object.fromEntries(Object.entries(r.reasons).map(([k, n]) => [`${r.table}.${k}`, n])));
  printSamples(r.samples, r.rejected);
}
