import type { Command } from 'commander';
import { DEFAULT_DB, parseAsOf, parseDays, parseInteger } from '../options.ts';
import { action, printJson, printTable, progress, writeOut } from '../output.ts';
import { UsageError } from '../../errors.ts';

interface CompareFlags {
  db: string;
  model: string;
  modelsDir: string;
  rules?: string;
  asOf?: string;
  horizon?: string;
  out: string;
  seed: string;
  runId?: string;
  json?: boolean;
}

/** `leadscore compare`: the points score vs the predictive score on leads whose outcome is known. */
export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare the rule (points) score with the predictive score on leads whose outcome window has closed')
    .option('--db <file>', 'warehouse', DEFAULT_DB)
    .option('--model <ref>', 'NAME (champion) or NAME@VERSION', 'leadscore')
    .option('--models-dir <dir>', 'where artifacts live', 'models')
    .option('--rules <file>', 'rules YAML to compare against (default: the rule set stored with the model)')
    .option('--as-of <date>', 'the cutoff: leads open then, outcomes in the horizon after it (must have closed)')
    .option('--horizon <days>', "outcome window, e.g. 90d (default: the model's)")
    .option('--out <file>', 'the HTML report', 'reports/compare.html')
    .option('--seed <n>', 'seed of the half used to map rule points to probabilities', '42')
    .option('--run-id <id>', 'name of this comparison (re-running replaces its rows)')
    .option('--json', 'print the full result as JSON')
    .addHelpText(
      'after',
      `
Measures ROC AUC, PR AUC, Brier, log loss, ECE, lift and gains at 5/10/20% for both scores, conversion
by band, the rule band x predictive band agreement matrix, capture at equal effort (the rules' MQLs vs
as many leads from the top of the predictive score) and the leads the two disagree on most. Writes
comparison_runs, comparison_metrics, comparison_bands, comparison_agreement and a self-contained HTML report.

Examples:
  $ leadscore compare --as-of 2025-06-01
  $ leadscore compare --db data/leadscore.duckdb --model leadscore@v0002 --as-of 2025-06-01 ` +
        '--rules models/rules.yaml --json',
    )
    .action(
      action(async (flags: CompareFlags) => {
        if (!flags.asOf)
          throw new UsageError(
            'compare needs --as-of: a date whose outcome window has closed',
            'e.g. --as-of 2025-06-01',
          );
        const asOf = parseAsOf(flags.asOf);
        const horizonDays = flags.horizon ? parseDays('--horizon', flags.horizon) : undefined;
        const seed = parseInteger('--seed', flags.seed);
        const bar = progress('compare');
        const { compareScores } = await import('../../pipelines/compare.ts');
        const { summarySentences } = await import('../../pipelines/compare-summary.ts');
        const { result, report_path } = await compareScores({
          db: flags.db,
          model: flags.model,
          modelsDir: flags.modelsDir,
          rulesFile: flags.rules,
          asOf,
          horizonDays,
          out: flags.out,
          seed,
          runId: flags.runId,
          now: new Date(),
          onStage: bar.update,
        });
        bar.done(`${result.n_leads} leads`);
        if (flags.json)
          return printJson({
            ...result,
            report_path,
            summary: summarySentences(result).map((s) => ({ key: s.key, text: s.text, value: s.value })),
          });
        for (const s of summarySentences(result)) writeOut(`${s.text}\n`);
        writeOut('\n');
        const keys = Object.keys(result.metrics.rules) as (keyof typeof result.metrics.rules)[];
        printTable(
          keys.map((k) => ({ metric: k, rules: result.metrics.rules[k], predictive: result.metrics.predictive[k] })),
        );
        const tables = 'comparison_runs, comparison_metrics, comparison_bands, comparison_agreement';
        writeOut(`\nreport: ${report_path}\nwarehouse tables: ${tables} (run ${result.run_id})\n`);
        for (const n of result.notes ?? []) writeOut(`note: ${n}\n`);
      }),
    );
}
