import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { LeadExplanation } from '../../pipelines/rules-run.ts';
import { DEFAULT_DB, parseAsOf } from '../options.ts';
import {
  action,
  formatPoints as formatPoints,
  printFiredRules,
  printJson,
  printTable,
  progress,
  writeOut,
} from '../output.ts';

interface RuleScoreFlags {
  asOf: string;
  db: string;
  rules: string;
  leads: string;
  out?: string;
  replace?: boolean;
  json?: boolean;
}

/** Points for people: at most 2 decimals. */

const DEFAULT_RULES = 'models/rules.yaml';

/** `leadscore rules check|score|explain`: validate, run and explain the points model. */
export function registerRulesCommand(program: Command): void {
  const rules = program
    .command('rules')
    .description('the points model (models/rules.yaml): validate it, score leads with it, explain a score')
    .addHelpText(
      'after',
      `
Examples:
  $ leadscore rules check models/rules.yaml
  $ leadscore rules score --db data/leadscore.duckdb --as-of 2025-06-30 --out rule_scores
  $ leadscore rules explain --db data/leadscore.duckdb --lead L000042 --as-of 2025-06-30`,
    );

  rules
    .command('check')
    .description('validate a rules file and print a summary of its criteria')
    .argument('[file]', 'rules YAML file', DEFAULT_RULES)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ leadscore rules check models/rules.yaml\n\n' +
        'Exit code 3 when the file is invalid; the message names the key path.',
    )
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        const { checkRules } = await import('../../pipelines/rules-check.ts');
        const summary = checkRules(file);
        if (opts.json) return printJson({ file, valid: true, ...summary });
        writeOut(`${file}: valid, ${summary.criteria.length} criteria\n\n`);
        printTable(summary.criteria as unknown as Record<string, unknown>[], ['section', 'name', 'when', 'points']);
        const { caps, thresholds } = summary;
        writeOut(
          `\ncaps: fit ${caps.fit}, engagement ${caps.engagement}, negative -${caps.negative}, ` +
            `total ${caps.total} (floor 0)\n` +
            `decay: ${summary.decay}\n` +
            `exclusions: ${summary.exclusions.map((e) => `${e.name} (${e.when})`).join('; ') || 'none'}\n` +
            `thresholds: MQL >= ${thresholds.mql}, SQL >= ${thresholds.sql}\n` +
            `bands: ${summary.bands.map((b) => `${b.name} >= ${b.min} (${b.colour})`).join(', ')}\n` +
            `grades: ${summary.grades}\n`,
        );
      }),
    );

  rules
    .command('score')
    .description('score every lead with the rules as of a date; prints the distribution by band and grade')
    .requiredOption('--as-of <date>', 'score as of this UTC date/time (or "now"); only earlier activity counts')
    .option('--db <file>', 'warehouse file', DEFAULT_DB)
    .option('--rules <file>', 'rules YAML file', DEFAULT_RULES)
    .option('--leads <which>', 'open (not won before as-of) or all', 'open')
    .option('--out <table>', "also write one row per lead to this table (replaced whole; never leadscore's own tables)")
    .option('--replace', '--out may overwrite an existing table that leadscore did not write')
    .option('--json', 'print the distribution as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ leadscore rules score --as-of 2025-06-30
  $ leadscore rules score --db data/demo.duckdb --rules models/rules.yaml --as-of now --out rule_scores --json`,
    )
    .action(
      action(async (opts: RuleScoreFlags) => {
        if (opts.leads !== 'open' && opts.leads !== 'all')
          throw new UsageError(`--leads must be open or all, got "${opts.leads}"`);
        const asOf = parseAsOf(opts.asOf);
        const p = progress('rules score');
        const { scoreWithRules } = await import('../../pipelines/rules-run.ts');
        const { db, rules, leads, out, replace } = opts;
        const dist = await scoreWithRules({ db, rules, leads, out, replace, asOf });
        p.done(`${dist.leads} leads${opts.out ? ` written to ${opts.out}` : ''}`);
        if (opts.json)
          return printJson({ asOf: asOf.toISOString(), rules: opts.rules, table: opts.out ?? null, ...dist });
        const mean = formatPoints(dist.meanScore);
        writeOut(
          `as of ${asOf.toISOString()}: ${dist.leads} leads, mean score ${mean}, MQL ${dist.mql}, SQL ${dist.sql}\n\n`,
        );
        printTable(dist.bands, ['band', 'colour', 'leads', 'share']);
        writeOut('\nleads by grade (fit A-D x engagement 1-4):\n');
        printTable(dist.gradeMatrix, ['fit', '1', '2', '3', '4']);
        if (dist.exclusions.length) {
          writeOut('\nexcluded:\n');
          printTable(dist.exclusions, ['reason', 'leads']);
        }
      }),
    );

  rules
    .command('explain')
    .description("explain one lead's rule score: each rule that fired, its points, decay, caps and the total")
    .requiredOption('--lead <id>', 'lead id')
    .requiredOption('--as-of <date>', 'explain as of this UTC date/time (or "now")')
    .option('--db <file>', 'warehouse file', DEFAULT_DB)
    .option('--rules <file>', 'rules YAML file', DEFAULT_RULES)
    .option('--json', 'print the explanation as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ leadscore rules explain --db data/demo.duckdb --lead L000042 --as-of 2025-06-30',
    )
    .action(
      action(async (opts: { lead: string; asOf: string; db: string; rules: string; json?: boolean }) => {
        const asOf = parseAsOf(opts.asOf);
        const { explainRuleScore } = await import('../../pipelines/rules-run.ts');
        const ex = await explainRuleScore({ db: opts.db, rules: opts.rules, lead: opts.lead, asOf });
        if (opts.json) return printJson(ex);
        printExplanation(ex);
      }),
    );
}

function printExplanation(ex: LeadExplanation): void {
  const out = (s: string) => writeOut(s + '\n');
  out(`lead ${ex.leadId} as of ${ex.asOf}`);
  if (ex.rules.length) out('');
  printFiredRules(ex.rules);
  out('');
  const cap = (g: { sum: number; cap: number; capHit: boolean; points: number }, sign = '') =>
    g.capHit ? `${formatPoints(g.sum)} -> cap ${sign}${g.cap} = ${formatPoints(g.points)}` : formatPoints(g.points);
  out(`fit         ${cap(ex.fit)}`);
  const e = ex.engagement;
  const inactive = `${formatPoints(ex.inactiveDays)} days inactive`;
  const linear = e.linearLoss
    ? ` - ${formatPoints(e.linearLoss)} linear decay (${inactive}) = ${formatPoints(e.points)}`
    : '';
  out(`engagement  ${cap(e)}${linear}`);
  out(`negative    ${cap(ex.negative, '-')}`);
  const notes = [ex.floorHit ? 'floored at 0' : '', ex.totalCapHit ? 'capped at the total cap' : '']
    .filter(Boolean)
    .join(', ');
  if (ex.excluded)
    out(`total       0 (excluded: ${ex.exclusionReason}; subtotal would be ${formatPoints(ex.subtotal)})`);
  else out(`total       ${formatPoints(ex.total)}${notes ? ` (subtotal ${formatPoints(ex.subtotal)}, ${notes})` : ''}`);
  out(`band ${ex.band} (${ex.colour}), grade ${ex.grade}, MQL ${ex.mql ? 'yes' : 'no'}, SQL ${ex.sql ? 'yes' : 'no'}`);
}
