/**
 * One X Education training run in its own process (so each seed starts cold, as a user's run does):
 * `npx tsx test/bench/xedu.ts SEED DIR` trains with trainFlat, writes the split to DIR/split-SEED.csv
 * and prints one JSON line: wall and CPU seconds of trainFlat, test metrics, the columns the peer must
 * drop to see what leadscore saw, and what the fit chose. Used by run.ts; never by npm test.
 */
import path from 'node:path';
import fs from 'node:fs';
import { TrainPipelineConfig } from '../../src/pipelines/config.ts';
import { trainFlat } from '../../src/pipelines/train-flat.ts';

const [seedArg, dir] = process.argv.slice(2);
const seed = Number(seedArg);
const data = fs.existsSync('data/x_education_leads.csv')
  ? 'data/x_education_leads.csv'
  : '../shared/data/x_education_leads.csv';
const split = path.join(dir, `split-${seed}.csv`);
const cfg = TrainPipelineConfig.parse({ name: 'bench-xedu', rules: null, models_dir: path.join(dir, 'models'), seed });
const cpu0 = process.cpuUsage();
const t = performance.now();
const r = await trainFlat(cfg, {
  data,
  target: 'Converted',
  id: 'Prospect ID',
  exclude: [],
  exportSplit: split,
  now: new Date(),
});
const seconds = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
const peerNote = r.notes.find((n) => n.includes('peer_sklearn.py')) ?? '';
process.stdout.write(
  JSON.stringify({
    seed,
    split,
    seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    metrics: r.metrics,
    excluded_columns: r.excluded_columns.map((e) => e.column),
    peer_drop: /--drop "([^"]*)"/.exec(peerNote)?.[1] ?? 'Prospect ID',
    blend_weights: r.blend_weights,
    calibration: r.calibration.method,
    members: r.training.members.map((m) => ({ name: m.name, kept: m.kept, params: m.params })),
    warnings: r.training.warnings,
    ece_bins: r.ece_bins,
  }) + '\n',
);
