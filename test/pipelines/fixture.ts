import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { generateCrm, validateGenerateOptions } from '../../src/synth/index.ts';
import { TrainPipelineConfig } from '../../src/pipelines/config.ts';
import { trainCrm, type TrainReport } from '../../src/pipelines/train.ts';
import { registry } from '../../src/models/index.ts';

/** A small generated warehouse and a model trained on it, in a fresh temp dir. */
export interface TrainedFixture {
  dir: string;
  db: string;
  modelsDir: string;
  report: TrainReport;
  cfg: TrainPipelineConfig;
}

/** Generate `leads` synthetic leads and train a quick model on them (small neural net, few epochs). */
export async function trainFixtureFresh(leads = 3000, seed = 7): Promise<TrainedFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-pipe-'));
  return trainInto(dir, leads, seed);
}

/** The fixture's training config: a small neural net and few epochs keep it quick. */
function fixtureConfig(db: string, modelsDir: string, seed: number): TrainPipelineConfig {
  return TrainPipelineConfig.parse({
    db,
    models_dir: modelsDir,
    name: 'fixture',
    seed,
    neural: { hidden: [8], maxEpochs: 8, patience: 2 },
  });
}

async function trainInto(dir: string, leads: number, seed: number): Promise<TrainedFixture> {
  const db = path.join(dir, 'w.duckdb');
  const modelsDir = path.join(dir, 'models');
  const { options } = validateGenerateOptions({ leads, seed, conversionRate: 0.15, snapshots: true });
  await withWarehouse(db, (w) => generateCrm(w, options));
  const cfg = fixtureConfig(db, modelsDir, seed);
  const report = await trainCrm(cfg, { now: new Date('2026-01-01T00:00:00Z') });
  return { dir, db, modelsDir, report, cfg };
}

/**
 * The same fixture as trainFixtureFresh, its model promoted, trained once per `vitest run` and shared by the
 * test files that ask for it (each gets its own copy, so none sees another's writes). The first file to ask trains it
 * under a lock; the others wait for it.
 */
export async function trainedFixture(leads = 3000, seed = 7): Promise<TrainedFixture> {
  // os.tmpdir() is this run's own dir (test/global-setup.ts), removed at the end of the run
  const shared = path.join(os.tmpdir(), `leadscore-shared-fixture-${leads}-${seed}`);
  const ready = path.join(shared, 'report.json');
  const failed = `${shared}.failed`;
  if (tryLock(`${shared}.lock`)) {
    fs.rmSync(shared, { recursive: true, force: true });
    fs.mkdirSync(shared);
    try {
      const built = await trainInto(shared, leads, seed);
      // promoted once here, as every file that shares the fixture scores the promoted version
      registry.promote(`fixture@${built.report.model.version}`, { at: '2026-01-01T00:00:00Z' }, built.modelsDir);
      fs.writeFileSync(`${ready}.tmp`, JSON.stringify(built.report));
      fs.renameSync(`${ready}.tmp`, ready);
    } catch (e) {
      fs.writeFileSync(failed, String((e as Error).stack ?? e));
      throw e;
    }
  } else {
    const deadline = Date.now() + 300_000;
    while (!fs.existsSync(ready)) {
      if (fs.existsSync(failed)) throw new Error(`the shared fixture failed to build:\n${fs.readFileSync(failed)}`);
      if (Date.now() > deadline) throw new Error(`the shared fixture ${shared} was not built within 5 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-pipe-'));
  const db = path.join(dir, 'w.duckdb');
  const modelsDir = path.join(dir, 'models');
  fs.copyFileSync(path.join(shared, 'w.duckdb'), db);
  fs.cpSync(path.join(shared, 'models'), modelsDir, { recursive: true });
  const report = JSON.parse(fs.readFileSync(ready, 'utf8')) as TrainReport;
  return { dir, db, modelsDir, report, cfg: fixtureConfig(db, modelsDir, seed) };
}

function tryLock(file: string): boolean {
  try {
    fs.mkdirSync(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Copy a warehouse file (to test against a pristine copy). */
export function copyDb(src: string, name: string): string {
  const dst = path.join(path.dirname(src), name);
  fs.copyFileSync(src, dst);
  return dst;
}
