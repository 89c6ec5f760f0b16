import fs from 'node:fs';
import type { Command } from 'commander';
import { DataError, UsageError } from '../../errors.ts';
import {
  auditLeakage,
  buildFeatureTable,
  countFutureEvents,
  loadFeatureSpec,
  loadFlatFrame,
  loadFlatSpec,
  readFrame,
  snapshotDates,
  stratifiedSplit,
  type AuditReport,
  type FeatureSpec,
} from '../../features/index.ts';
import { summarizeFrame, summarizeTable } from '../../features/summary.ts';
import { withWarehouse, type Warehouse } from '../../store/index.ts';
import { DEFAULT_DB, parseAsOf, parseDays } from '../options.ts';
import { action, printJson, printTable, progress, writeOut } from '../output.ts';

interface SnapshotFlags {
  db: string;
  features: string;
  asOf: string[];
  from?: string;
  to?: string;
  every?: string;
  horizon?: string;
  leads: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function asOfDates(f: SnapshotFlags): Date[] {
  const dates = f.asOf.map((d) => parseAsOf(d));
  if (f.from || f.to) {
    if (!f.from || !f.to)
      throw new UsageError('--from and --to go together', 'e.g. --from 2024-01-01 --to 2024-06-01 --every month');
    const every = !f.every || f.every === 'month' ? 'month' : parseDays('--every', f.every);
    dates.push(...snapshotDates(parseAsOf(f.from, '--from'), parseAsOf(f.to, '--to'), every));
  }
  if (dates.length === 0)
    throw new UsageError('give at least one --as-of date (or --from/--to)', 'e.g. --as-of 2024-06-30');
  return dates;
}

function leadsMode(raw: string): 'open' | 'all' {
  if (raw !== 'open' && raw !== 'all') throw new UsageError(`--leads must be "open" or "all", got "${raw}"`);
  return raw;
}

async function loadSpecFor(w: Warehouse, file: string): Promise<FeatureSpec> {
  // activity names are checked against the vocabulary plus whatever this warehouse holds
  const known = (await w.tableExists('activities'))
    ? (await w.all<{ t: string }>('SELECT DISTINCT activity_type AS t FROM activities')).map((r) => r.t)
    : [];
  return loadFeatureSpec(file, { knownActivities: known });
}

function addSnapshotOptions(cmd: Command): Command {
  return cmd
    .option('--db <file>', 'warehouse file', DEFAULT_DB)
    .option('--features <file>', 'feature definitions (YAML)', 'features/default.yaml')
    .option('--as-of <date>', 'snapshot date (UTC; repeat for several, or "now")', collect, [])
    .option('--from <date>', 'first snapshot date of a series')
    .option('--to <date>', 'last snapshot date of a series (inclusive)')
    .option('--every <interval>', 'series step: "month" or days like 30d', 'month')
    .option('--horizon <days>', 'label horizon, e.g. 90d (default: horizon_days in the features file)')
    .option('--leads <which>', 'open: leave out leads already won before as_of; all: keep them', 'open')
    .option('--json', 'print JSON');
}

function printAudit(r: AuditReport & { future_events?: number }, notes: string[]): void {
  for (const n of notes) writeOut(`note: ${n}\n`);
  writeOut(
    `audited ${r.rows} training rows (${r.positives} converted)${r.future_events !== undefined ? `; rows using activities at/after as_of: ${r.future_events}` : ''}\n`,
  );
  printTable(
    r.features.map((f) => ({
      feature: f.column,
      kind: f.kind,
      auc: f.auc,
      missing_pos: f.missing_rate_pos,
      missing_neg: f.missing_rate_neg,
      strongest_level: f.top_level
        ? `${f.top_level.level} (${f.top_level.rows} rows, ${(100 * f.top_level.conversion).toFixed(0)}% conv)`
        : '',
    })),
  );
  if (r.suspected.length === 0) writeOut('\nno suspected leakage\n');
  else {
    writeOut(`\nsuspected leakage (${r.suspected.length}):\n`);
    for (const s of r.suspected) writeOut(`  ${s.column}: ${s.reason}\n`);
    writeOut('drop them with `exclude:` in the features file (or columns: { NAME: exclude } for flat files)\n');
  }
}

/** `leadscore features build|audit`: point-in-time feature tables and the leakage audit. */
export function registerFeaturesCommand(program: Command): void {
  const features = program
    .command('features')
    .description('build point-in-time feature tables and audit them for leakage');

  addSnapshotOptions(
    features.command('build').description('compute features AS OF one or more dates into a DuckDB table, with labels'),
  )
    .option('--into <table>', 'output table (replaced atomically)', 'feature_table')
    .option('--no-labels', 'leave out the label column (e.g. for scoring)')
    .addHelpText(
      'after',
      `
Examples:
  $ leadscore features build --db data/leadscore.duckdb --as-of 2024-06-30
  $ leadscore features build --db data/leadscore.duckdb --features features/default.yaml \\
      --from 2024-01-01 --to 2024-06-01 --every month --into training_set
Only activities with occurred_at < as_of count; label = won within the horizon after as_of.`,
    )
    .action(
      action(async (flags: SnapshotFlags & { into: string; labels: boolean }) => {
        const dates = asOfDates(flags);
        const leads = leadsMode(flags.leads);
        const horizonDays = flags.horizon ? parseDays('--horizon', flags.horizon) : undefined;
        await withWarehouse(flags.db, async (w) => {
          const spec = await loadSpecFor(w, flags.features);
          const p = progress('features build');
          const { rows, table } = await buildFeatureTable(w, spec, {
            asOf: dates,
            horizonDays,
            withLabels: flags.labels,
            leads,
            into: flags.into,
          });
          p.done(`${rows} rows`);
          const summary = await summarizeTable(w, table, spec);
          const positives = flags.labels
            ? ((
                await w.one<{ n: number }>(
                  `SELECT coalesce(sum(label), 0)::BIGINT AS n FROM "${table.replaceAll('"', '""')}"`,
                )
              )?.n ?? 0)
            : undefined;
          if (flags.json) {
            printJson({
              table,
              rows,
              columns: summary.length,
              snapshots: dates.map((d) => d.toISOString()),
              positives,
              features: summary,
            });
            return;
          }
          writeOut(
            `${table}: ${rows} rows x ${summary.length} features, ${dates.length} snapshot(s)${positives !== undefined ? `, ${positives} converted (${((100 * positives) / Math.max(1, rows)).toFixed(1)}%)` : ''}\n`,
          );
          printTable(
            summary.map((s) => ({
              feature: s.feature,
              kind: s.kind,
              'missing %': s.missing_pct,
              mean: s.mean ?? '',
              top: s.top ?? '',
            })),
          );
        });
      }),
    );

  addSnapshotOptions(
    features
      .command('audit')
      .description('leakage audit: single-feature AUC and per-class missing rates on the training split'),
  )
    .option('--data <file>', 'audit a flat table (CSV/Parquet/JSON, one row per lead) instead of the warehouse')
    .option('--target <column>', 'with --data: the target column')
    .option('--id <column>', 'with --data: the id column')
    .option('--positive <value>', 'with --data: the target value that means converted')
    .option('--flat-spec <file>', 'with --data: YAML with missing_values, columns overrides, exclude')
    .option('--train-fraction <x>', 'share of rows in the (stratified, seeded) training split that is audited', '0.7')
    .option('--seed <n>', 'split seed', '1')
    .option('--fail-on-leakage', 'exit 3 when any column is suspected')
    .addHelpText(
      'after',
      `
Examples:
  $ leadscore features audit --db data/leadscore.duckdb --features features/default.yaml --as-of 2024-06-30
  $ leadscore features audit --data data/x_education_leads.csv --target Converted --id "Prospect ID" --json
Flags a column when its single-feature AUC >= 0.9, when it is missing for one class far more than the
other (gap >= 0.5), or both milder (AUC >= 0.75 and gap >= 0.3).`,
    )
    .action(
      action(
        async (
          flags: SnapshotFlags & {
            data?: string;
            target?: string;
            id?: string;
            positive?: string;
            flatSpec?: string;
            trainFraction: string;
            seed: string;
            failOnLeakage?: boolean;
          },
        ) => {
          const frac = Number(flags.trainFraction);
          if (!(frac > 0 && frac <= 1))
            throw new UsageError(`--train-fraction must be in (0, 1], got "${flags.trainFraction}"`);
          const seed = Number(flags.seed);
          if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, got "${flags.seed}"`);
          const fractions = frac === 1 ? { train: 1 } : { train: frac, test: 1 - frac };
          let report: AuditReport & { future_events?: number };
          let notes: string[] = [];
          if (flags.data) {
            const fs_ = flags.flatSpec ? loadFlatSpec(flags.flatSpec) : undefined;
            const target = flags.target ?? fs_?.target;
            if (!target) throw new UsageError('--data needs --target COLUMN (or target: in --flat-spec)');
            const frame = await loadFlatFrame(flags.data, {
              target,
              id: flags.id ?? fs_?.id,
              positive: flags.positive ?? fs_?.positive,
              missingValues: fs_?.missing_values,
              overrides: fs_ ? { columns: fs_.columns, exclude: fs_.exclude } : undefined,
            });
            notes = frame.notes ?? [];
            const split = stratifiedSplit(frame.label!, fractions, seed);
            report = auditLeakage(frame, split.train, { seed });
            if (!flags.json) {
              writeOut(`${flags.data}: ${frame.ids.length} rows, ${frame.columns.length} features\n`);
              printTable(
                summarizeFrame(frame).map((s) => ({
                  feature: s.feature,
                  kind: s.kind,
                  'missing %': s.missing_pct,
                  mean: s.mean ?? '',
                  top: s.top ?? '',
                })),
              );
              writeOut('\n');
            }
          } else {
            if (!fs.existsSync(flags.db))
              throw new DataError(
                `warehouse not found: ${flags.db}`,
                'pass --db, or --data FILE --target COL for a flat table',
              );
            const dates = asOfDates(flags);
            const horizonDays = flags.horizon ? parseDays('--horizon', flags.horizon) : undefined;
            report = await withWarehouse(flags.db, async (w) => {
              const spec = await loadSpecFor(w, flags.features);
              const table = '_ls_audit_features';
              try {
                await buildFeatureTable(w, spec, {
                  asOf: dates,
                  horizonDays,
                  withLabels: true,
                  leads: leadsMode(flags.leads),
                  into: table,
                });
                const future = await countFutureEvents(w, table);
                const frame = await readFrame(w, table, spec);
                const split = stratifiedSplit(frame.label!, fractions, seed);
                const r = auditLeakage(frame, split.train, { seed });
                if (future > 0)
                  r.suspected.unshift({
                    column: '_max_event_at',
                    reason: `${future} rows used activities at or after their as_of`,
                  });
                return { ...r, future_events: future };
              } finally {
                await w.run(`DROP TABLE IF EXISTS ${table}`);
              }
            });
          }
          if (flags.json) printJson({ ...report, notes });
          else printAudit(report, notes);
          if (flags.failOnLeakage && report.suspected.length > 0) {
            throw new DataError(
              `suspected leakage in ${report.suspected.length} column(s): ${report.suspected.map((s) => s.column).join(', ')}`,
              'drop them with `exclude:` in the features file, or run without --fail-on-leakage',
            );
          }
        },
      ),
    );
}
