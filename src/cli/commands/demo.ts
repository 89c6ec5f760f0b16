import type { Command } from 'commander';
import { parseInteger, parsePositiveInt } from '../options.ts';
import { action, printJson, printTable, progress, writeOut } from '../output.ts';

interface DemoFlags {
  db: string;
  modelsDir: string;
  report: string;
  leads: string;
  seed: string;
  json?: boolean;
}

/** `leadscore demo` (what `npm start` runs): generate, train, promote, score, compare, monitor. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole pipeline on generated data: generate, train, promote, score, compare, monitor (npm start)')
    .option('--db <file>', 'demo warehouse (replaced on every run)', 'data/demo.duckdb')
    .option('--models-dir <dir>', 'where the `demo` model goes', 'models')
    .option('--report <file>', 'the comparison report', 'reports/compare.html')
    .option('--leads <n>', 'synthetic leads to generate', '20000')
    .option('--seed <n>', 'seed for everything', '42')
    .option('--json', 'print a summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ npm start
  $ leadscore demo --leads 100000 --seed 7`,
    )
    .action(
      action(async (flags: DemoFlags) => {
        const leads = parsePositiveInt('--leads', flags.leads);
        const seed = parseInteger('--seed', flags.seed);
        const bar = progress('demo');
        bar.update(`generating ${leads} synthetic leads into ${flags.db}`);
        const { runDemo } = await import('../../pipelines/demo.ts');
        const { summarySentences } = await import('../../pipelines/compare-summary.ts');
        const r = await runDemo({
          db: flags.db,
          modelsDir: flags.modelsDir,
          report: flags.report,
          leads,
          seed,
          now: new Date(),
          onStage: bar.update,
        });
        bar.done(`${r.seconds.toFixed(0)}s`);
        if (flags.json)
          return printJson({
            db: r.db,
            model: r.model,
            report: r.report,
            metrics: r.train.metrics,
            scored: r.score.rows,
            monitor: r.monitor.status,
            seconds: r.seconds,
          });
        writeOut(
          '\ntest-split metrics of the new model (time-based split; rules = the points model in models/rules.yaml):\n',
        );
        printTable(
          Object.entries(r.train.metrics).map(([scorer, m]) => ({ scorer, ...m })),
          ['scorer', 'auc', 'pr_auc', 'logloss', 'brier', 'ece', 'lift_at_10pct'],
        );
        if (r.oracle_auc !== null)
          writeOut(`best achievable AUC on those rows (the generator's truth): ${r.oracle_auc.toFixed(4)}\n`);
        writeOut(
          `\nscored ${r.score.rows} open leads as of ${r.score.as_of.slice(0, 10)}: ${Object.entries(r.score.bands)
            .map(([b, n]) => `${b} ${n}`)
            .join(', ')}\n\n`,
        );
        for (const s of summarySentences(r.compare)) writeOut(`${s.text}\n`);
        writeOut(`\ndrift check: ${r.monitor.status} (${r.monitor.advice})\n`);
        const tables = 'lead_scores, lead_score_history, score_runs, comparison_*, monitor_*';
        writeOut(`\nwhat it made:\n  warehouse   ${r.db}  (tables ${tables})\n`);
        writeOut(`  model card  ${r.model.card}  (${r.model.name}@${r.model.version}, promoted champion)\n`);
        writeOut(`  report      ${r.report}\n`);
        writeOut('\nnext: open the report in a browser, or query the warehouse:\n  $ npx leadscore models show demo\n');
        writeOut(`  $ npx leadscore rules explain --db ${r.db} --lead <id> --as-of ${r.score.as_of.slice(0, 10)}\n`);
      }),
    );
}
