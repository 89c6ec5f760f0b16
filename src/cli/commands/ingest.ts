import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { FlatIngestReport, IngestReport, RejectSample } from '../../pipelines/ingest-run.ts';
import { DEFAULT_DB } from '../options.ts';
import { action, printJson, printTable, writeOut, writeErr } from '../output.ts';

interface IngestFlags {
  db: string;
  leads?: string;
  activities?: string;
  outcomes?: string;
  map?: string;
  dateFormat?: string;
  strict?: boolean;
  json?: boolean;
  flat?: string;
  id?: string;
  target?: string;
  name?: string;
  positive?: string;
  negative?: string;
  runId?: string;
}

const list = (raw: string | undefined) =>
  raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** stderr progress lines, one per stage, with the time since the command started. */
function stageLogger(): (msg: string) => void {
  const start = Date.now();
  return (msg) => writeErr(`ingest: ${msg} (${((Date.now() - start) / 1000).toFixed(1)}s)\n`);
}

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

function printReport(r: IngestReport): void {
  const rows = Object.entries(r.tables).map(([table, t]) => ({
    table,
    read: t!.read,
    loaded: t!.loaded,
    rejected: t!.rejected,
    new_rows: t!.added,
    file: t!.source_file,
  }));
  writeOut(`run ${r.run_id}\n`);
  printTable(rows);
  const byColumn: Record<string, number> = {};
  for (const [table, t] of Object.entries(r.tables))
    for (const [k, n] of Object.entries(t!.reasons)) byColumn[`${table}.${k}`] = n;
  printReasons(byColumn);
  printSamples(
    r.samples,
    rows.reduce((s, x) => s + x.rejected, 0),
  );
}

function printFlatReport(r: FlatIngestReport): void {
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

/** `leadscore ingest`: load CRM exports (or one flat table) into the warehouse, with validation. */
export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description(
      'load leads, activities and outcomes (CSV, Parquet or JSON lines) into the warehouse, validating every row; ' +
        'bad rows go to rejected_rows',
    )
    .option('--db <file>', 'warehouse file', DEFAULT_DB)
    .option('--leads <file>', 'leads: one row per lead (lead_id, created_at, ...; other columns kept as extras)')
    .option('--activities <file>', 'activities: lead_id, occurred_at, activity_type, [channel, campaign, url, value]')
    .option(
      '--outcomes <file>',
      'outcomes: lead_id, [opportunity_id], created_at, [closed_at], status (won|lost|open), [amount]',
    )
    .option('--map <mapping.yaml>', 'source column names -> canonical ones per table, and activity type renames')
    .option(
      '--date-format <fmt>',
      'strftime format of date columns in text sources, e.g. "%d-%m-%Y %H:%M" (default ISO 8601)',
    )
    .option('--strict', 'fail (exit 3) and write nothing if any row is rejected')
    .option('--json', 'print the report as JSON')
    .option('--flat <file>', 'a flat table instead: one row per lead with an id and a target column')
    .option('--id <column>', 'with --flat: the id column')
    .option('--target <column>', 'with --flat: the target column')
    .option('--name <table>', 'with --flat: the table to write (default: the file name)')
    .option('--positive <values>', 'with --flat: target values meaning converted', 'yes,1,true,won')
    .option(
      '--negative <values>',
      'with --flat: target values meaning not converted ' +
        '(default no,0,false,lost; with a custom --positive: every other value)',
    )
    .option('--run-id <id>', 'id recorded on rejected rows (default: a random UUID)')
    .addHelpText(
      'after',
      `
Examples:
  $ leadscore ingest --db data/leadscore.duckdb --leads leads.csv --activities activities.csv --outcomes outcomes.csv
  $ leadscore ingest --leads crm/leads.parquet --map mapping.yaml --date-format "%d/%m/%Y %H:%M" --strict
  $ leadscore ingest --flat data/x_education_leads.csv --id "Prospect ID" --target Converted --name x_education

mapping.yaml:
  leads: {lead_id: "Prospect ID", created_at: "Created"}
  activity_types: {"Email Opened": email_open}

Rows are numbered from 1 = the first data row after the header (CSV line number minus one when no
quoted field spans lines). Bad rows are kept in rejected_rows with a reason naming the column; valid
rows are upserted by key, so re-running the same files gives the same tables. Everything is one
transaction: a failed ingest leaves the warehouse as it was. With --strict nothing at all is written
(not even rejected_rows); the reasons are printed instead.`,
    )
    .action(
      action(async (flags: IngestFlags) => {
        const log = stageLogger();
        const now = new Date(); // the CLI is the only place that reads the wall clock
        if (flags.flat !== undefined) {
          if (flags.leads || flags.activities || flags.outcomes)
            throw new UsageError(
              '--flat cannot be combined with --leads, --activities or --outcomes',
              'run two ingests',
            );
          if (!flags.id || !flags.target)
            throw new UsageError(
              '--flat needs --id <column> and --target <column>',
              'e.g. --flat leads.csv --id "Prospect ID" --target Converted',
            );
          const { ingestFlatFile } = await import('../../pipelines/ingest-run.ts');
          const report = await ingestFlatFile({
            db: flags.db,
            file: flags.flat,
            idColumn: flags.id,
            targetColumn: flags.target,
            name: flags.name,
            positive: list(flags.positive),
            negative: list(flags.negative),
            strict: flags.strict,
            runId: flags.runId,
            now,
            onProgress: log,
          });
          if (flags.json) printJson(report);
          else printFlatReport(report);
          return;
        }
        if (!flags.leads && !flags.activities && !flags.outcomes) {
          throw new UsageError(
            'nothing to ingest: give --leads, --activities and/or --outcomes (or --flat)',
            'see leadscore ingest --help',
          );
        }
        if (flags.id || flags.target || flags.name || flags.negative)
          throw new UsageError('--id, --target, --name and --negative only apply with --flat');
        const { ingestFiles } = await import('../../pipelines/ingest-run.ts');
        const report = await ingestFiles({
          db: flags.db,
          leads: flags.leads,
          activities: flags.activities,
          outcomes: flags.outcomes,
          map: flags.map,
          dateFormat: flags.dateFormat,
          strict: flags.strict,
          runId: flags.runId,
          now,
          onProgress: log,
        });
        if (flags.json) {
          const tables = Object.fromEntries(
            Object.entries(report.tables).map(([t, r]) => [
              t,
              {
                read: r!.read,
                loaded: r!.loaded,
                rejected: r!.rejected,
                added: r!.added,
                source_file: r!.source_file,
                reasons: r!.reasons,
              },
            ]),
          );
          printJson({
            run_id: report.run_id,
            tables,
            rejected_by_reason: report.rejected_by_reason,
            samples: report.samples,
          });
        } else printReport(report);
      }),
    );
}
