import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { TrainPipelineConfig, loadPipelineConfig } from '../../pipelines/config.ts';
import { trainCrm, type TrainReport } from '../../pipelines/train.ts';
import { trainFlat } from '../../pipelines/train-flat.ts';
import { action, formatNumber, printJson, printTable, progress } from '../output.ts';
import { parseInteger } from '../options.ts';

interface TrainFlags {
  db?: string;
  data?: string;
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

/** `leadscore train`: features, leakage audit, splits, logistic + neural, blend, calibration, artifact. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train the predictive model (logistic + neural, blended with the rules, calibrated) and save a versioned artifact',
    )
    .argument('[pipeline]', 'pipeline YAML for CRM training (default pipelines/train.yaml when present)')
    .option('--db <file>', 'warehouse with leads, activities and outcomes (overrides the pipeline file)')
    .option('--data <file>', 'train on a flat file instead (CSV, Parquet or JSON lines; one row per lead)')
    .option('--target <col>', 'with --data: the outcome column (1/0, yes/no, true/false, won/lost)')
    .option('--id <col>', 'with --data: the lead id column (never used as a feature)')
    .option('--positive <value>', 'with --data: the target value that means converted')
    .option('--exclude <cols>', 'comma-separated columns (features) to leave out, whatever the leakage audit says')
    .option('--keep <cols>', 'comma-separated columns the leakage audit must not exclude (known when a lead is scored)')
    .option('--seed <n>', 'random seed (splits, initialization, shuffles)')
    .option('--name <name>', 'model name under the models folder')
    .option('--models-dir <dir>', 'where artifacts go (default models/)')
    .option('--export-split <file>', 'with --data: write the input rows plus a `split` column (test rows: "test")')
    .option('--fail-on-leakage', 'stop if the leakage audit suspects a column, instead of excluding it')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
What it does: builds point-in-time features (or reads the flat file), audits every column for
leakage on the training split and excludes suspected ones, splits by time (or stratified for flat
files), fits logistic regression and a neural network on the training split, a stacking blend on the
validation split and a calibrator on the calibration split, reports test-split metrics and saves
models/<name>/<version>/. Promote it with \`leadscore models promote NAME@VERSION\`.

Examples:
  $ leadscore train --db data/leadscore.duckdb
  $ leadscore train pipelines/train.yaml --seed 7 --json
  $ leadscore train --data data/x_education_leads.csv --target Converted --id "Prospect ID" --export-split .tmp/split.csv`,
    )
    .action(
      action(async (pipeline: string | undefined, flags: TrainFlags) => {
        const base = loadPipelineConfig(
          TrainPipelineConfig,
          pipeline ?? 'pipelines/train.yaml',
          pipeline === undefined,
        );
        const list = (v: string | undefined) =>
          v
            ? v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : [];
        const cfg = TrainPipelineConfig.parse({
          ...base,
          leakage: {
            keep: [...(base.leakage?.keep ?? []), ...list(flags.keep)],
            exclude: [...(base.leakage?.exclude ?? []), ...(flags.data ? [] : list(flags.exclude))],
          },
          ...(flags.db ? { db: flags.db } : {}),
          ...(flags.seed !== undefined ? { seed: parseInteger('--seed', flags.seed) } : {}),
          ...(flags.name
            ? { name: flags.name }
            : flags.data
              ? { name: base.name === 'leadscore' ? 'flat' : base.name }
              : {}),
          ...(flags.modelsDir ? { models_dir: flags.modelsDir } : {}),
          ...(flags.failOnLeakage ? { fail_on_leakage: true } : {}),
          ...(flags.data ? { rules: null } : {}),
        });
        const bar = progress('train');
        const now = new Date();
        let report: TrainReport;
        if (flags.data) {
          if (!flags.target)
            throw new UsageError(
              '--data needs --target: the column that says whether the lead converted',
              'e.g. --target Converted',
            );
          report = await trainFlat(cfg, {
            data: flags.data,
            target: flags.target,
            id: flags.id,
            positive: flags.positive,
            exclude: list(flags.exclude),
            exportSplit: flags.exportSplit,
            now,
            onStage: bar.update,
          });
        } else {
          for (const f of ['target', 'id', 'exportSplit'] as const) {
            if (flags[f])
              throw new UsageError(
                `--${f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} only applies with --data (flat files)`,
              );
          }
          report = await trainCrm(cfg, { now, onStage: bar.update });
        }
        bar.done(`${report.model.name}@${report.model.version}`);
        if (flags.json) return printJson(report);
        printTrainReport(report);
      }),
    );
}

function printTrainReport(r: TrainReport): void {
  const out = process.stdout;
  out.write(`\nmodel ${r.model.name}@${r.model.version} saved to ${r.model.dir}\n`);
  out.write(
    `rows: train ${r.rows.train}, validation ${r.rows.validation}, calibration ${r.rows.calibration}, test ${r.rows.test}${r.rows.dropped ? `, left out in gaps ${r.rows.dropped}` : ''}\n`,
  );
  if (r.excluded_columns.length) {
    out.write('\nexcluded by the leakage audit:\n');
    for (const e of r.excluded_columns) out.write(`  ${e.column}: ${e.reason}\n`);
  }
  out.write('\ntest-split metrics:\n');
  printTable(
    Object.entries(r.metrics).map(([scorer, m]) => ({ scorer, ...m })),
    ['scorer', 'auc', 'pr_auc', 'logloss', 'brier', 'ece', 'lift_at_10pct'],
  );
  out.write(
    `\nblend weights: ${Object.entries(r.blend_weights)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join(', ')}\n`,
  );
  out.write(`calibration: ${r.calibration.method} (${r.calibration.reason})\n`);
  for (const n of r.notes) out.write(`note: ${n}\n`);
  out.write(`\nnext: leadscore models promote ${r.model.name}@${r.model.version}\n`);
}
