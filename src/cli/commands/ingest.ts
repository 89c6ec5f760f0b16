import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { DEFAULT_DB } from '../options.ts';
import { action, printJson, writeErr } from '../output.ts';
import { printFlatReport, printReport } from './ingest-report.ts';

interface IngestFlags {
  db: string;
  leads?: string[];
  activities?: string[];
  outcomes?: string[];
  map?: string;
  preset?: string;
  dateFormat?: string;
  delimiter?: string;
  quote?: string;
  encoding?: string;
  maxRejectRate?: string;
  minDate?: string;
  maxDate?: string;
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

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function parseRate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`--max-reject-rate must be a number from 0 to 1, got "${raw}"`, 'e.g. --max-reject-rate 0.1');
  return n;
}

function parseDay(flag: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} "${raw}" is not a date`, `e.g. ${flag} 2000-01-01`);
  return d;
}

/** stderr progress lines, one per stage, with the time since the command started. */
function stageLogger(): (msg: string) => void {
  const start = Date.now();
  return (msg) => writeErr(`ingest: ${msg} (${((Date.now() - start) / 1000).toFixed(1)}s)\n`);
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
    .option(
      '--leads <file>',
      'leads: one row per lead (lead_id, created_at, ...; other columns kept as extras); repeatable',
      collect,
    )
    .option(
      '--activities <file>',
      'activities: lead_id, occurred_at, activity_type, [channel, campaign, url, value]; repeatable',
      collect,
    )
    .option(
      '--outcomes <file>',
      'outcomes: lead_id, [opportunity_id], created_at, [closed_at], status (won|lost|open), [amount]; repeatable',
      collect,
    )
    .option(
      '--map <mapping.yaml>',
      'per table: file, columns, constants, date_format, drop, values, rules (see README)',
    )
    .option('--preset <crm>', 'read standard exports by their column names: salesforce or hubspot')
    .option(
      '--date-format <fmt>',
      'date format of tables whose mapping states none: dd-mm-yyyy HH:MM, %d/%m/%Y, iso (default: auto, per column)',
    )
    .option('--delimiter <char>', "CSV delimiter (default: the header line's , ; tab or |)")
    .option('--quote <char>', "CSV quote character (default \"; '' for none)")
    .option('--encoding <name>', 'CSV encoding: utf-8 (default), latin-1 (also Windows-1252) or utf-16')
    .option(
      '--max-reject-rate <share>',
      'refuse a file (exit 3, nothing written) when more of its rows are rejected',
      '0.5',
    )
    .option('--min-date <date>', 'dates before this are implausible: rejected (default 1970-01-01)')
    .option('--max-date <date>', 'dates after this are implausible: rejected (default: tomorrow)')
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
  $ leadscore ingest --map funnel.yaml          # the mapping names the files
  $ leadscore ingest --preset salesforce --leads Lead.csv --outcomes Opportunity.csv --activities Task.csv
  $ leadscore ingest --flat data/x_education_leads.csv --id "Prospect ID" --target Converted --name x_education

funnel.yaml:
  leads: {file: mql.csv, columns: {lead_id: mql_id, created_at: first_contact_date}, date_format: dd-mm-yyyy}
  outcomes:
    file: closed_deals.csv
    columns: {lead_id: mql_id, created_at: won_date, closed_at: won_date}
    constants: {status: won}

Rows are numbered from 1 = the first data row after the header (CSV line number minus one when no
quoted field spans lines). Bad rows (and CSV lines that do not fit the header) are kept in rejected_rows
with a reason; valid rows are upserted by key, so re-running the same files gives the same tables.
Everything is read and checked before anything is written, then written in one transaction: a failed
ingest, a file whose rows are all (or more than --max-reject-rate) rejected, or any reject with
--strict leaves the warehouse file as it was.`,
    )
    .action(
      action(async (flags: IngestFlags) => {
        const log = stageLogger();
        const now = new Date(); // the CLI is the only place that reads the wall clock
        if (flags.flat !== undefined) {
          if (flags.leads || flags.activities || flags.outcomes || flags.map || flags.preset)
            throw new UsageError(
              '--flat cannot be combined with --leads, --activities, --outcomes, --map or --preset',
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
            maxRejectRate: parseRate(flags.maxRejectRate),
            runId: flags.runId,
            now,
            onProgress: log,
          });
          if (flags.json) printJson(report);
          else printFlatReport(report);
          return;
        }
        if (!flags.leads && !flags.activities && !flags.outcomes && !flags.map) {
          throw new UsageError(
            'nothing to ingest: give --leads, --activities and/or --outcomes (or --map naming the files, or --flat)',
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
          preset: flags.preset,
          dateFormat: flags.dateFormat,
          delimiter: flags.delimiter,
          quote: flags.quote,
          encoding: flags.encoding,
          maxRejectRate: parseRate(flags.maxRejectRate),
          minDate: parseDay('--min-date', flags.minDate),
          maxDate: parseDay('--max-date', flags.maxDate),
          strict: flags.strict,
          runId: flags.runId,
          now,
          onProgress: log,
        });
        if (flags.json) {
          const tables = Object.fromEntries(
            Object.entries(report.tables).map(([t, r]) => [t, { ...r, seconds: undefined, table: undefined }]),
          );
          printJson({ ...report, tables });
        } else printReport(report);
      }),
    );
}
