import type { Command } from 'commander';
import type { ModelSummary } from '../../pipelines/models-admin.ts';
import { action, formatNumber, printJson, printTable, writeOut } from '../output.ts';

interface ModelsFlags {
  modelsDir: string;
  json?: boolean;
  force?: boolean;
  metric?: string;
}

const fmt = (v: unknown) =>
  typeof v === 'number' ? formatNumber(v) : v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/** `leadscore models list | show | promote | diff`: the model registry. */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('list, inspect, compare and promote trained models')
    .addHelpText(
      'after',
      `
Examples:
  $ leadscore models list
  $ leadscore models show leadscore            # the champion
  $ leadscore models diff leadscore@v0001 leadscore@v0002
  $ leadscore models promote leadscore@v0002   # only if it beats the champion on the same test window`,
    );
  const common = (c: Command) =>
    c.option('--models-dir <dir>', 'where artifacts live', 'models').option('--json', 'print JSON');

  common(models.command('list').description('every model, its versions, the champion and its test metrics')).action(
    action(async (flags: ModelsFlags) => {
      const { listModelVersions } = await import('../../pipelines/models-admin.ts');
      const rows = listModelVersions(flags.modelsDir);
      if (flags.json) return printJson(rows);
      if (rows.length === 0) return void writeOut(`no models under ${flags.modelsDir}/ yet: run \`leadscore train\`\n`);
      printTable(rows);
    }),
  );

  common(
    models
      .command('show')
      .argument('<ref>', 'NAME (champion) or NAME@VERSION')
      .description('the model card: parameters, features, windows, metrics, blend, calibrator'),
  ).action(
    action(async (ref: string, flags: ModelsFlags) => {
      const { showModel } = await import('../../pipelines/models-admin.ts');
      const a = showModel(ref, flags.modelsDir);
      const metrics = a.estimators.metrics as Record<string, Record<string, number>> | undefined;
      const summary = a.summary;
      if (flags.json)
        return printJson({
          name: a.name,
          version: a.version,
          champion: a.isChampion,
          dir: a.dir,
          card: { ...a.card, features: { ...a.card.features, encoders: undefined } },
          metrics,
          summary,
        });
      const c = a.card;
      writeOut(`${a.name}@${a.version}${a.isChampion ? ' (champion)' : ''}  ${a.dir}\n`);
      writeOut(`created ${c.created_at}, seed ${c.seed}\n`);
      writeOut(`training window: ${fmt(c.training_window)}\ntest window: ${fmt(c.test_window)}\n`);
      writeOut(
        `features: ${c.features.columns.length} matrix columns, schema ${c.features.schema_hash.slice(0, 12)}\n`,
      );
      writeOut(`blend: ${fmt(c.blend)}\ncalibrator: ${fmt(c.calibrator)}\n\n`);
      if (metrics) printTable(Object.entries(metrics).map(([scorer, m]) => ({ scorer, ...m })));
      printSummary(summary);
    }),
  );

  common(
    models
      .command('promote')
      .argument('<ref>', 'NAME@VERSION to make the champion')
      .description('make a version the champion if it beats the current one on the same test window')
      .option('--force', 'promote even if it is not better (recorded as forced)')
      .option('--metric <name>', 'metric to compare (default auc; logloss, brier and ece: lower is better)'),
  ).action(
    action(async (ref: string, flags: ModelsFlags) => {
      const { promoteModel } = await import('../../pipelines/models-admin.ts');
      const at = new Date().toISOString(); // the CLI is the only place that reads the wall clock
      const result = promoteModel(ref, { at, force: flags.force, metric: flags.metric }, flags.modelsDir);
      if (flags.json) printJson(result);
      else
        writeOut(
          `${result.promoted ? 'promoted' : 'not promoted'}: ${result.name}@${result.version}: ${result.reason}\n`,
        );
      return result.promoted ? 0 : 1;
    }),
  );

  common(
    models
      .command('diff')
      .argument('<a>', 'NAME@VERSION')
      .argument('<b>', 'NAME@VERSION')
      .description('two versions side by side: parameters, features, windows, metrics'),
  ).action(
    action(async (a: string, b: string, flags: ModelsFlags) => {
      const { diffModels } = await import('../../pipelines/models-admin.ts');
      const d = diffModels(a, b, flags.modelsDir);
      if (flags.json) return printJson(d);
      const rows = (section: string, xs: typeof d.metrics) =>
        xs
          .filter((r) => r.changed || section === 'metric')
          .map((r) => ({
            section,
            key: r.key,
            [d.a]: fmt(r.a),
            [d.b]: fmt(r.b),
            delta: r.delta === undefined ? '' : formatNumber(r.delta),
          }));
      printTable([...rows('metric', d.metrics), ...rows('parameter', d.parameters), ...rows('window', d.windows)]);
      const schema = d.features.schemaChanged ? ' (feature schema changed)' : '';
      writeOut(`\nfeatures: +${d.features.added.length} -${d.features.removed.length}${schema}\n`);
      for (const f of d.features.added) writeOut(`  + ${f}\n`);
      for (const f of d.features.removed) writeOut(`  - ${f}\n`);
    }),
  );
}

/** Band cut-offs, blend weights, the largest coefficients and the trees' importances. */
function printSummary(s: ModelSummary): void {
  const out = (line = '') => writeOut(`${line}\n`);
  out();
  if (s.bands) out(`bands: hot at a score of ${s.bands.hot} or more, warm from ${s.bands.warm}, cold below`);
  out(
    `blend weights: ${Object.entries(s.blend_weights)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join(', ')}`,
  );
  if (s.coefficients.length) {
    out('\nlargest logistic coefficients (standardized columns; + raises the score):');
    printTable(s.coefficients.map((c) => ({ column: c.column, coefficient: c.value })));
  }
  if (s.importances.length) {
    out('\nboosted trees: splits per column (importance):');
    printTable(s.importances.map((c) => ({ column: c.column, splits: c.value })));
  }
}
