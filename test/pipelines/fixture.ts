import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { generateCrm, validateGenerateOptions } from '../../src/synth/index.ts';
import { TrainPipelineConfig } from '../../src/pipelines/config.ts';
import { trainCrm, type TrainReport } from '../../src/pipelines/train.ts';

/** A small generated warehouse and a model trained on it, in a fresh temp dir. */
export interface TrainedFixture {
  dir: string;
  db: string;
  modelsDir: string;
  report: TrainReport;
  cfg: TrainPipelineConfig;
}

/** Generate `leads` synthetic leads and train a quick model on them (small neural net, few epochs). */
export async function trainedFixture(leads = 3000, seed = 7): Promise<TrainedFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-pipe-'));
  const db = path.join(dir, 'w.duckdb');
  const modelsDir = path.join(dir, 'models');
  const { options } = validateGenerateOptions({ leads, seed, conversionRate: 0.15, snapshots: true });
  await withWarehouse(db, (w) => generateCrm(w, options));
  const cfg = TrainPipelineConfig.parse({
    db,
    models_dir: modelsDir,
    name: 'fixture',
    seed,
    neural: { hidden: [8], maxEpochs: 8, patience: 2 },
  });
  const report = await trainCrm(cfg, { now: new Date('2026-01-01T00:00:00Z') });
  return { dir, db, modelsDir, report, cfg };
}

/** Copy a warehouse file (to test against a pristine copy). */
export function copyDb(src: string, name: string): string {
  const dst = path.join(path.dirname(src), name);
  fs.copyFileSync(src, dst);
  return dst;
}
