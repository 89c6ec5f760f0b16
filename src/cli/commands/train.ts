import type { Command } from 'commander';
import type { TrainReport } from '../../pipelines/train.ts';
import { action, formatNumber, printJson, printTable, progress, writeOut } from '../output.ts';
import { parseDays, parseInteger } from '../options.ts';

interface TrainFlags {
  db?: string;
  label?: string;
  horizon?: string;
  data?: string;
  table?: string;
  target?: string;
  id?: string;
  positive?: string;
  exclude?: string;
  keep?: string;
  seed?: string;
  name?: string;
  modelsDir?: string;
  exportSplit?: string;
  failOnLeakage?: boolean;
  json?: boolean;
}

const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `leadscore train`: features, leakage audit, splits, logistic + neural, blend, calibration, artifact. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train the predictive model (logistic + neural, blended with the rules, calibrated) ' +
        'and save a versioned artifact',
    )
    .argument('[pipeline]', 'pipeline YAML for CRM training (default pipelines/train.yaml when present)')
    .option('--db <file>', 'warehouse with leads, activities and outcomes (overrides the pipeline file)')
    .option(
      '--label <how>',
      'CRM rows: "created" (one per lead as of its creation, labelled won within the horizon after it) ' +
        'or "snapshots" (every open lead on the 1st of each month)',
    )
    .option('--horizon <days>', 'label horizon, e.g. 90d (overrides horizon_days)')
    .option('--data <file>', 'train on a flat file instead (CSV, Parquet or JSON lines; one row per lead)')
    .option('--table <name>', 'train on a flat table of the warehouse (loaded by `leadscore ingest --flat`)')
    .option('--target <col>', 'with --data: the outcome column (1/0, yes/no, true/false, won/lost)')
    .option('--id <col>', 'with --data: the lead id column (never used as a feature)')
    .option('--positive <value>', 'with --data: the target value that means converted')
    .option('--exclude <cols>', 'comma-separated columns (features) to leave out, whatever the leakage audit says')
    .option('--keep <cols>', 'comma-separated columns the leakage audit must not exclude (known when a lead is scored)')
    .option('--seed <n>', 'random seed (splits, initialization, shuffles)')
    .option('--name <name>', 'model name under the models folder (flat data: default the file or table name)')
    .option('--models-dir <dir>', 'where artifacts go (default models/)')
    .option('--export-split <file>', 'with --data: write the input rows plus a `split` column (test rows: "test")')
    .option('--fail-on-leakage', 'stop if the leakage audit suspects a column, instead of excluding it')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
What it does: builds point-in-time features (or reads the flat file), audits every column for
leakage on the training split and excludes suspected ones, splits by time (or stratified for flat
files), chooses hyperparameters, the stacking blend and the calibrator on out-of-fold predictions
over the non-test rows, refits the base models (logistic, neural, and boosted trees for flat tables)
on every non-test row, reports test-split metrics and saves models/<name>/<version>/.
--keep and --exclude settle the leakage audit; the model card records the decision.
Promote it with \`leadscore models promote NAME@VERSION\`.

Examples:
  $ leadscore train --db data/leadscore.duckdb
  $ leadscore train --db funnel.duckdb --label created --horizon 180d
  $ leadscore train --db flat.duckdb --table x_education      # after ingest --flat
  $ leadscore train pipelines/train.yaml --seed 7 --json
  $ leadscore train --data data/x_education_leads.csv --target Converted --id "Prospect ID" ` +
        '--export-split .tmp/split.csv',
    )
    .action(
      action(async (pipeline: string | undefined, flags: TrainFlags) => {
        const seed = flags.seed !== undefined ? parseInteger('--seed', flags.seed) : undefined;
        const horizonDays = flags.horizon !== undefined ? parseDays('--horizon', flags.horizon) : undefined;
        const bar = progress('train');
        // A first line before the heavy imports (TensorFlow.js, DuckDB), so a log shows the run has started.
        bar.update(flags.data ? `reading ${flags.data}` : 'loading TensorFlow.js and DuckDB');
        const { runTraining } = await import('../../pipelines/train-run.ts');
        const report = await runTraining({
          pipeline,
          db: flags.db,
          label: flags.label,
          horizonDays,
          table: flags.table,
          seed,
          name: flags.name,
          modelsDir: flags.modelsDir,
          failOnLeakage: flags.failOnLeakage,
          data: flags.data,
          target: flags.target,
          id: flags.id,
          positive: flags.positive,
          exclude: flags.exclude === undefined ? undefined : list(flags.exclude),
          keep: flags.keep === undefined ? undefined : list(flags.keep),
          exportSplit: flags.exportSplit,
          now: new Date(), // the CLI is the only place that reads the wall clock
          onStage: bar.update,
          onNotice: bar.note,
        });
        bar.done(`${report.model.name}@${report.model.version}`);
        if (flags.json) return printJson(report);
        printTrainReport(report);
      }),
    );
}

function printTrainReport(r: TrainReport): void {
  writeOut(`\nmodel ${r.model.name}@${r.model.version} saved to ${r.model.dir}\n`);
  const c = r.counts;
  const cell = (p: keyof typeof c.rows) => `${c.rows[p]} (${c.conversions[p]} converted)`;
  const gaps = c.rows.dropped ? `, left out in gaps ${cell('dropped')}` : '';
  const held = (['validation', 'calibration'] as const).filter((p) => c.rows[p] > 0).map((p) => `, ${p} ${cell(p)}`);
  writeOut(`rows: train ${cell('train')}${held.join('')}, test ${cell('test')}${gaps}\n`);
  if (r.excluded_columns.length) {
    writeOut('\nexcluded by the leakage audit:\n');
    for (const e of r.excluded_columns) writeOut(`  ${e.column}: ${e.reason}\n`);
  }
  writeOut('\ntest-split metrics:\n');
  printTable(
    Object.entries(r.metrics).map(([scorer, m]) => ({ scorer, ...m })),
    ['scorer', 'auc', 'pr_auc', 'logloss', 'brier', 'ece', 'lift_at_10pct'],
  );
  writeOut(
    `\nblend weights: ${Object.entries(r.blend_weights)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join(', ')}\n`,
  );
  writeOut(`calibration: ${r.calibration.method} (${r.calibration.reason})\n`);
  for (const n of r.notes) writeOut(`note: ${n}\n`);
  writeOut(`\nnext: leadscore models promote ${r.model.name}@${r.model.version}\n`);
}
