import fs from 'node:fs';
import path from 'node:path';
import { withWarehouse } from '../store/index.ts';
import { generateCrm, oracleAucOnSnapshots, validateGenerateOptions } from '../synth/index.ts';
import { registry } from '../models/index.ts';
import { TrainPipelineConfig } from './config.ts';
import { TRAIN_TABLE, trainCrm, type TrainReport } from './train.ts';
import { scoreLeads, type ScoreSummary } from './score/index.ts';
import { compareScores, type CompareOutput } from './compare.ts';
import { monitorModel, type MonitorReport } from './monitor.ts';

/** Options for the end-to-end demo (what `npm start` runs). */
export interface DemoOptions {
  db: string;
  modelsDir: string;
  report: string;
  leads: number;
  seed: number;
  now: Date;
  onStage?: (stage: string) => void;
}

/** Everything the demo made, and where. */
export interface DemoResult {
  db: string;
  model: { name: string; version: string; card: string };
  report: string;
  train: TrainReport;
  /** the generator's true probabilities ranked on the model's test rows: the best AUC any model could get */
  oracle_auc: number | null;
  score: ScoreSummary;
  compare: CompareOutput['result'];
  monitor: MonitorReport;
  seconds: number;
}

const MODEL = 'demo';

/**
 * The whole story on generated data: a synthetic CRM, a trained and promoted model, today's scores
 * in the warehouse, and the rules-vs-predictive report. Re-running replaces what the last run made
 * (the warehouse tables, the `demo` model's versions, the report), so nothing piles up.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const stage = opts.onStage ?? (() => undefined);
  stage(`generating ${opts.leads} synthetic leads into ${opts.db}`);
  const { options } = validateGenerateOptions({ leads: opts.leads, seed: opts.seed });
  const gen = await withWarehouse(opts.db, (w) => generateCrm(w, options));
  // The demo owns the `demo` model: start it afresh so re-runs give v0001 again instead of piling up versions.
  fs.rmSync(path.join(opts.modelsDir, MODEL), { recursive: true, force: true });
  const cfg = TrainPipelineConfig.parse({ db: opts.db, models_dir: opts.modelsDir, name: MODEL, seed: opts.seed });
  const train = await trainCrm(cfg, { now: opts.now, onStage: (s) => stage(`train: ${s}`) });
  const window = train.test_window;
  const oracle = await withWarehouse(opts.db, (w) =>
    oracleAucOnSnapshots(w, TRAIN_TABLE, new Date(window.start), new Date(window.end)),
  );
  registry.promote(`${MODEL}@${train.model.version}`, { at: opts.now.toISOString() }, opts.modelsDir);
  const end = new Date(gen.end);
  stage(`scoring open leads as of ${end.toISOString().slice(0, 10)}`);
  const score = await scoreLeads({
    db: opts.db,
    model: MODEL,
    modelsDir: opts.modelsDir,
    asOf: end,
    leads: 'open',
    reasons: 3,
    runId: 'demo',
    now: () => new Date(),
  });
  // Compare on the latest month whose 90-day outcome window has closed.
  const closed = new Date(end.getTime() - cfg.horizon_days * 86_400_000);
  const compareAsOf = new Date(Date.UTC(closed.getUTCFullYear(), closed.getUTCMonth(), 1));
  stage(`comparing rules and predictive as of ${compareAsOf.toISOString().slice(0, 10)}`);
  const cmp = await compareScores({
    db: opts.db,
    model: MODEL,
    modelsDir: opts.modelsDir,
    asOf: compareAsOf,
    out: opts.report,
    seed: opts.seed,
    runId: 'demo',
    now: opts.now,
  });
  stage('monitoring drift');
  const monitor = await monitorModel({
    db: opts.db,
    model: MODEL,
    modelsDir: opts.modelsDir,
    threshold: 0.2,
    runId: 'demo',
    now: opts.now,
  });
  return {
    db: opts.db,
    model: { name: MODEL, version: train.model.version, card: path.join(train.model.dir, 'model.json') },
    report: cmp.report_path!,
    train,
    oracle_auc: oracle,
    score,
    compare: cmp.result,
    monitor,
    seconds: (performance.now() - t0) / 1000,
  };
}
