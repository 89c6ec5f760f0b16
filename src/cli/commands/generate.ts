import type { Command } from 'commander';
import { GENERATE_DEFAULTS } from '../../pipelines/generate-defaults.ts';
import type { GenerateReport } from '../../pipelines/generate-run.ts';
import { DEFAULT_DB } from '../options.ts';
import { action, formatNumber, printJson, printTable, progress, writeOut, writeErr } from '../output.ts';

interface GenerateFlags {
  db?: string;
  leads: string;
  seed: string;
  start: string;
  end: string;
  conversionRate: string;
  personas?: string;
  personaMix?: string;
  out?: string;
  format: string;
  snapshots: boolean;
  json?: boolean;
}

/** `leadscore generate`: a synthetic CRM with known ground truth. */
export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic CRM with known ground truth: leads, activities, outcomes, truth, truth_snapshots')
    .option('--db <file>', `warehouse file to write (default ${DEFAULT_DB}; with --out and no --db, files only)`)
    .option('--leads <n>', 'number of leads', String(GENERATE_DEFAULTS.leads))
    .option('--seed <n>', 'random seed: the same seed and options give the same tables', String(GENERATE_DEFAULTS.seed))
    .option('--start <date>', 'first day leads can be created (UTC)', GENERATE_DEFAULTS.start)
    .option('--end <date>', 'last instant anything happens (UTC; a date means its midnight)', GENERATE_DEFAULTS.end)
    .option(
      '--conversion-rate <r>',
      'share of leads that end closed-won, in (0, 1)',
      String(GENERATE_DEFAULTS.conversionRate),
    )
    .option('--personas <file>', 'YAML map of persona shares, e.g. "ideal: 0.1"')
    .option('--persona-mix <list>', 'persona shares, e.g. ideal=0.1,spam=0.05 (personas left out share the rest)')
    .option('--out <dir>', 'also write each table to DIR/<table>.<format>')
    .option('--format <fmt>', 'file format for --out: parquet or csv', 'parquet')
    .option('--no-snapshots', 'skip truth_snapshots (the per-month 90-day oracle)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Personas: ideal, evaluator, newsletter, cold, student, unsubscriber, spam, competitor.
Ground truth: truth(lead_id, persona, true_probability, converts, won_at, fit, episodes, negative_at)
and truth_snapshots(lead_id, as_of, p_true_90d) for monthly as-of dates whose 90-day window ends by --end.
Both are point-in-time: p_true_90d is the chance of winning in [as_of, as_of + 90 days) given everything
the generator knows at as_of (persona, fit, hidden traits, the lead's history so far) but none of what
comes later (future buying episodes, unsubscribes, the win draw); true_probability is the chance of
converting by --end as seen at creation. Their AUC is the ceiling for a model scoring as of that date.

Examples:
  $ leadscore generate --db data/demo.duckdb --leads 100000 --seed 42
  $ leadscore generate --db data/demo.duckdb --leads 10000 --persona-mix ideal=0.15,spam=0.02 --conversion-rate 0.08
  $ leadscore generate --leads 10000 --out data/synthetic --format csv`,
    )
    .action(
      action(async (flags: GenerateFlags) => {
        const bar = progress('generate');
        const { generateData } = await import('../../pipelines/generate-run.ts');
        const { db, report } = await generateData({
          leads: flags.leads,
          seed: flags.seed,
          start: flags.start,
          end: flags.end,
          conversionRate: flags.conversionRate,
          personas: flags.personas,
          personaMix: flags.personaMix,
          snapshots: flags.snapshots,
          db: flags.db ?? (flags.out === undefined ? DEFAULT_DB : undefined),
          out: flags.out,
          format: flags.format,
          onWarning: (w) => writeErr(`warning: ${w}\n`),
          onProgress: bar.update,
        });
        bar.done(`${report.leads} leads`);
        if (flags.json) return printJson({ db, ...report });
        printReport(report, db);
      }),
    );
}

function printReport(r: GenerateReport, db: string | null): void {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const auc = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  const span = `${r.start.slice(0, 10)} .. ${r.end.slice(0, 10)}`;
  writeOut(`${db ? `wrote ${db}` : 'wrote files only'} (seed ${r.seed}, ${span}, ${formatNumber(r.seconds)}s)\n\n`);
  printTable(Object.entries(r.rows).map(([table, rows]) => ({ table, rows })));
  writeOut('\n');
  printTable(Object.entries(r.personas).map(([persona, leads]) => ({ persona, leads, share: pct(leads / r.leads) })));
  writeOut(
    `\nconversion rate: ${pct(r.conversionRate)} (target ${pct(r.conversionRateTarget)})\n` +
      `oracle ROC AUC (point-in-time ceiling; true probability at creation vs converted): ${auc(r.oracleAuc)}\n` +
      `oracle ROC AUC, ${r.horizonDays}-day window as of ${r.snapshotDates.length} monthly snapshots: ` +
      `${auc(r.oracleAuc90d)}\n`,
  );
  for (const f of r.files) writeOut(`file: ${f}\n`);
}
