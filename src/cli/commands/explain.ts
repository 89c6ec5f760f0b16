import type { Command } from 'commander';
import type { LeadScoreExplanation } from '../../pipelines/explain.ts';
import { parseAsOf, parseInteger } from '../options.ts';
import { action, formatPoints, printFiredRules, printJson, printTable, writeOut } from '../output.ts';

type View = typeof import('../../pipelines/explain-view.ts');

interface ExplainFlags {
  lead: string;
  db?: string;
  model?: string;
  modelsDir?: string;
  asOf?: string;
  reasons?: string;
  json?: boolean;
}

/** `leadscore explain --lead ID`: both scores of one lead, side by side, and what made each. */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description("one lead's predictive score and points score side by side: the factors and the rules behind each")
    .requiredOption('--lead <id>', 'the lead to explain')
    .option('--db <file>', 'warehouse (default from pipelines/score.yaml)')
    .option('--model <ref>', 'NAME (its promoted champion) or NAME@VERSION')
    .option('--models-dir <dir>', 'where artifacts live (default models/)')
    .option('--as-of <date>', 'explain as of this date (default: the date of its row in lead_scores)')
    .option('--reasons <n>', 'reasons per direction, as score --reasons (default from pipelines/score.yaml)')
    .option('--json', 'print the explanation as JSON (its `row` is the lead_scores row for that date)')
    .addHelpText(
      'after',
      `
The predictive score is split into factors (recency, activity, high-intent actions, company, ...): each
factor's contribution to the blend's log-odds against an average lead, adding up to the lead's own; the
points score into the rules that fired, their decay and the group caps. The lead is scored as \`score\`
scores it, so the reasons shown are the ones in lead_scores for that date.

Examples:
  $ leadscore explain --db data/demo.duckdb --model demo --lead L0000123
  $ leadscore explain --lead L0000123 --as-of 2025-06-30 --json`,
    )
    .action(
      action(async (flags: ExplainFlags) => {
        const { ScorePipelineConfig, loadPipelineConfig } = await import('../../pipelines/config.ts');
        const { explainLeadScore } = await import('../../pipelines/explain.ts');
        const view = await import('../../pipelines/explain-view.ts');
        const base = loadPipelineConfig(ScorePipelineConfig, 'pipelines/score.yaml', true);
        const ex = await explainLeadScore({
          db: flags.db ?? base.db,
          model: flags.model ?? base.model,
          modelsDir: flags.modelsDir ?? base.models_dir,
          leadId: flags.lead,
          asOf: flags.asOf ? parseAsOf(flags.asOf) : undefined,
          reasons: flags.reasons !== undefined ? parseInteger('--reasons', flags.reasons) : base.reasons,
        });
        if (flags.json) return printJson(ex);
        printExplanation(ex, process.stdout.isTTY === true, view);
      }),
    );
}

const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ' '}${Math.abs(x).toFixed(2)}`;
const pct = (p: number) => `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`;

function printExplanation(ex: LeadScoreExplanation, tty: boolean, view: View): void {
  const { bandColour, colourNamed, paintBand, factorLabel } = view;
  const labelOf = (factor: string) => factorLabel(factor).toLowerCase();
  const out = (s = '') => writeOut(s + '\n');
  const p = ex.predictive;
  const r = ex.rules;
  const ruleColour = r ? (colourNamed(r.colour) ?? bandColour(r.band)) : null;
  out(`lead ${ex.lead_id} as of ${ex.as_of.slice(0, 10)}, model ${ex.model.name}@${ex.model.version}`);
  out();
  printTable(
    [
      {
        '': 'score',
        predictive: `${p.score} of 100 (${pct(p.probability)} chance to convert)`,
        'points (rules)': r ? `${formatPoints(r.total)} points` : '-',
      },
      {
        '': 'band',
        predictive: paintBand(p.band, bandColour(p.band), tty),
        'points (rules)': r && ruleColour ? paintBand(r.band, ruleColour, tty) : '-',
      },
      { '': 'percentile', predictive: `${Math.round(p.percentile)}`, 'points (rules)': '-' },
      {
        '': 'grade / MQL',
        predictive: '-',
        'points (rules)': r ? `${r.grade}, MQL ${r.mql ? 'yes' : 'no'}, SQL ${r.sql ? 'yes' : 'no'}` : '-',
      },
    ],
    ['', 'predictive', 'points (rules)'],
  );
  out();
  out(
    `Predictive score: ${pct(p.probability)} against ${pct(p.reference.probability)} for an average lead ` +
      `(bands: hot from ${p.bands.hot}, warm from ${p.bands.warm}). What moved it, in log-odds ` +
      `(+0.7 about doubles the odds):`,
  );
  printTable(
    p.factors
      .filter((f) => Math.abs(f.contribution) >= 0.005)
      .map((f) => ({ contribution: signed(f.contribution), factor: f.label, why: f.text })),
    ['contribution', 'factor', 'why'],
  );
  out(
    `${signed(p.reference.logit)} average lead, ${signed(p.logit)} this lead` +
      ` (its reasons in lead_scores: ${ex.row.reasons.map((x) => labelOf(x.factor)).join(', ') || 'none'})`,
  );
  out();
  if (r) {
    out(`Points score: the rules that fired`);
    printFiredRules(r.rules);
    const capped = (g: { sum: number; cap: number; capHit: boolean; points: number }) =>
      g.capHit ? `${formatPoints(g.sum)} capped at ${g.cap}` : formatPoints(g.points);
    out(
      `fit ${capped(r.fit)} + engagement ${capped(r.engagement)} + negative ${formatPoints(r.negative.points)}` +
        ` = ${formatPoints(r.total)}${r.excluded ? ` (excluded: ${r.exclusionReason})` : ''}`,
    );
    out();
  }
  const s = ex.stored;
  if (s && s.as_of === ex.as_of) {
    const change = (v: unknown) => (typeof v === 'number' ? `${v > 0 ? '+' : ''}${v}` : 'n/a');
    const prev =
      s.previous_score === null || s.previous_score === undefined
        ? 'no earlier score'
        : `previous score ${String(s.previous_score)} on ${String(s.previous_as_of).slice(0, 10)}`;
    out(`Trend: ${prev}; change ${change(s.score_change)}, over about a week ${change(s.score_change_7d)}`);
  } else if (s) {
    out(`Its latest row in lead_scores is from ${String(s.as_of).slice(0, 10)} (score ${String(s.score)}).`);
  }
}
