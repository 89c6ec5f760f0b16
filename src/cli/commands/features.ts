import type { Command } from 'commander';
import { DataError, UsageError } from '../../errors.ts';
import type { AuditReport } from '../../pipelines/features-audit.ts';
import type { SnapshotSeries } from '../../pipelines/features-input.ts';
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

interface AuditFlags extends SnapshotFlags {
  data?: string;
  target?: string;
  id?: string;
  positive?: string;
  flatSpec?: string;
  trainFraction: string;
  seed: string;
  failOnLeakage?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The snapshot flags parsed: single dates, an optional --from/--to series, the horizon and which leads. */
function snapshotFlags(f: SnapshotFlags) {
  const asOf = f.asOf.map((d) => parseAsOf(d));
  let series: SnapshotSeries | undefined;
  if (f.from || f.to) {
    if (!f.from || !f.to)
      throw new UsageError('--from and --to go together', 'e.g. --from 2024-01-01 --to 2024-06-01 --every month');
    const every = !f.every || f.every === 'month' ? 'month' : parseDays('--every', f.every);
    series = { from: parseAsOf(f.from, '--from'), to: parseAsOf(f.to, '--to'), every };
  }
  if (f.leads !== 'open' && f.leads !== 'all')
    throw new UsageError(`--leads must be "open" or "all", got "${f.leads}"`);
  const horizonDays = f.horizon ? parseDays('--horizon', f.horizon) : undefined;
  return { asOf, series, horizonDays, leads: f.leads as 'open' | 'all' };
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

const summaryRows = (
  features: Array<{ feature: string; kind: string; missing_pct: number; mean?: number; top?: string }>,
) =>
  features.map((s) => ({
    feature: s.feature,
    kind: s.kind,
    'missing %': s.missing_pct,
    mean: s.mean ?? '',
    top: s.top ?? '',
  }));

function printAudit(r: AuditReport & { future_events?: number }, notes: string[]): void {
  for (const n of notes) writeOut(`note: ${n}\n`);
  const future = r.future_events !== undefined ? `; rows using activities at/after as_of: ${r.future_events}` : '';
  writeOut(`audited ${r.rows} training rows (${r.positives} converted)${future}\n`);
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
    .option('--into <table>', "output table (replaced atomically; never leadscore's own tables)", 'feature_table')
    .option('--replace', '--into may overwrite an existing table that leadscore did not write')
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
      action(async (flags: SnapshotFlags & { into: string; labels: boolean; replace?: boolean }) => {
        const snapshots = snapshotFlags(flags);
        const p = progress('features build');
        const { buildFeatures } = await import('../../pipelines/features-build.ts');
        const r = await buildFeatures({
          ...snapshots,
          db: flags.db,
          features: flags.features,
          into: flags.into,
          replace: flags.replace,
          withLabels: flags.labels,
          onStage: p.update,
        });
        p.done(`${r.rows} rows`);
        if (flags.json) {
          return printJson({
            table: r.table,
            rows: r.rows,
            columns: r.features.length,
            snapshots: r.snapshots.map((d) => d.toISOString()),
            positives: r.positives,
            features: r.features,
          });
        }
        const converted =
          r.positives !== undefined
            ? `, ${r.positives} converted (${((100 * r.positives) / Math.max(1, r.rows)).toFixed(1)}%)`
            : '';
        writeOut(`${r.table}: ${r.rows} rows x ${r.features.length} features, ${r.snapshots.length} snapshot(s)`);
        writeOut(`${converted}\n`);
        printTable(summaryRows(r.features));
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
      action(async (flags: AuditFlags) => {
        const trainFraction = Number(flags.trainFraction);
        if (!(trainFraction > 0 && trainFraction <= 1))
          throw new UsageError(`--train-fraction must be in (0, 1], got "${flags.trainFraction}"`);
        const seed = Number(flags.seed);
        if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, got "${flags.seed}"`);
        const { auditFlatFile, auditWarehouse } = await import('../../pipelines/features-audit.ts');
        let report: AuditReport & { future_events?: number };
        let notes: string[] = [];
        if (flags.data) {
          const { data, target, id, positive, flatSpec } = flags;
          const flat = await auditFlatFile({ data, target, id, positive, flatSpec, trainFraction, seed });
          ({ report, notes } = flat);
          if (!flags.json) {
            writeOut(`${flags.data}: ${flat.rows} rows, ${flat.columns.length} features\n`);
            printTable(summaryRows(flat.columns));
            writeOut('\n');
          }
        } else {
          const { asOf, series, horizonDays, leads } = snapshotFlags(flags);
          const { db, features } = flags;
          report = await auditWarehouse({ db, features, asOf, series, horizonDays, leads, trainFraction, seed });
        }
        if (flags.json) printJson({ ...report, notes });
        else printAudit(report, notes);
        if (flags.failOnLeakage && report.suspected.length > 0) {
          const columns = report.suspected.map((s) => s.column).join(', ');
          throw new DataError(
            `suspected leakage in ${report.suspected.length} column(s): ${columns}`,
            'drop them with `exclude:` in the features file, or run without --fail-on-leakage',
          );
        }
      }),
    );
}
