import type { Command } from 'commander';
import { DEFAULT_DB } from '../options.ts';
import { action, formatNumber, printJson, printTable, progress, writeOut } from '../output.ts';
import { UsageError } from '../../errors.ts';

interface MonitorFlags {
  db: string;
  model: string;
  modelsDir: string;
  threshold: string;
  failOnDrift?: boolean;
  json?: boolean;
}

/** `leadscore monitor`: drift of features and score since training, calibration of closed outcomes. */
export function registerMonitorCommand(program: Command): void {
  program
    .command('monitor')
    .description(
      'drift since training (PSI of each feature and of the score) and calibration of scores whose outcome is known',
    )
    .option('--db <file>', 'warehouse', DEFAULT_DB)
    .option('--model <ref>', 'NAME (champion) or NAME@VERSION', 'leadscore')
    .option('--models-dir <dir>', 'where artifacts live', 'models')
    .option('--threshold <psi>', 'PSI above which a feature counts as drifted (0.1 shift, 0.25 major)', '0.2')
    .option('--fail-on-drift', 'exit 1 when anything drifted (for schedulers and CI)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Compares the latest succeeded scoring run of the model with the distribution of every feature on its
training rows (population stability index), and checks the calibration of all earlier scores whose
outcome window has closed. Writes monitor_runs and monitor_features.

Examples:
  $ leadscore monitor
  $ leadscore monitor --model leadscore --fail-on-drift --json`,
    )
    .action(
      action(async (flags: MonitorFlags) => {
        const threshold = Number(flags.threshold);
        if (!(threshold > 0)) throw new UsageError(`--threshold must be a positive number, got "${flags.threshold}"`);
        const bar = progress('monitor');
        const { monitorModel } = await import('../../pipelines/monitor.ts');
        const r = await monitorModel({
          db: flags.db,
          model: flags.model,
          modelsDir: flags.modelsDir,
          threshold,
          now: new Date(),
          onStage: bar.update,
        });
        bar.done(r.status);
        if (flags.json) printJson(r);
        else {
          const run = `scoring run ${r.score_run_id} (${r.rows} leads as of ${r.score_run_as_of})`;
          writeOut(`model ${r.model}@${r.model_version}, ${run}\n\n`);
          printTable([
            { feature: '(score)', psi: r.score_psi, drifted: r.score_drifted ? 'DRIFT' : '' },
            ...r.features.map((f) => ({ feature: f.feature, psi: f.psi, drifted: f.drifted ? 'DRIFT' : '' })),
          ]);
          const c = r.calibration;
          if (c.rows === 0) writeOut('\nno earlier scores have a closed outcome window yet\n');
          else {
            const observed =
              `mean probability ${formatNumber(c.mean_probability!)}, ` +
              `observed rate ${formatNumber(c.observed_rate!)}, ECE ${formatNumber(c.ece!)}`;
            writeOut(`\ncalibration of ${c.rows} earlier scores with known outcomes: ${observed}\n`);
          }
          writeOut(`\n${r.status === 'ok' ? 'ok' : 'DRIFT'}: ${r.advice}\n`);
        }
        return flags.failOnDrift && r.status === 'drift' ? 1 : 0;
      }),
    );
}
