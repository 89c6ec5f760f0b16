/**
 * Shared pieces of the hostile-input suite: real warehouses in temp dirs, the state of every table as
 * (row count, content hash) so a test can prove a refused command changed nothing, and small real
 * models. Nothing here mocks leadscore's own code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { generateCrm, validateGenerateOptions } from '../../src/synth/index.ts';
import { runTraining } from '../../src/pipelines/train-run.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');

/** A fresh temp dir. */
export function tempDir(prefix = 'leadscore-hostile-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small synthetic CRM (leads, activities, outcomes) in `dir`/crm.duckdb. */
export async function smallCrm(dir: string, leads = 300, seed = 5): Promise<string> {
  const db = path.join(dir, 'crm.duckdb');
  const { options } = validateGenerateOptions({ leads, seed, snapshots: false });
  await withWarehouse(db, (w) => generateCrm(w, options));
  return db;
}

export { tableStates, type TableState } from './states.ts';

/** The first `rows` rows of the bundled X Education CSV (a real flat table), as a CSV in `dir`. */
export async function flatCsv(dir: string, rows = 600, name = 'leads_small.csv'): Promise<string> {
  const file = path.join(dir, name);
  const src = path.join(REPO, 'data/x_education_leads.csv').replaceAll("'", "''");
  await withWarehouse(':memory:', (w) =>
    w.run(
      `COPY (SELECT * FROM read_csv('${src}', header = true, all_varchar = true) LIMIT ${rows}) ` +
        `TO '${file.replaceAll("'", "''")}' (FORMAT CSV, HEADER true)`,
    ),
  );
  return file;
}

/** Quick model settings for tests: a small, short neural net and few trees. */
export const QUICK_PIPELINE = 'neural:\n  hidden: [8]\n  maxEpochs: 6\n  patience: 2\n';

/** Train a small flat model on `csv` into `modelsDir` (named after the file unless `name`). */
export async function flatModel(dir: string, csv: string, modelsDir: string, name?: string) {
  const pipeline = path.join(dir, 'quick.yaml');
  fs.writeFileSync(pipeline, QUICK_PIPELINE);
  return runTraining({
    pipeline,
    data: csv,
    target: 'Converted',
    id: 'Prospect ID',
    modelsDir,
    name,
    now: new Date('2026-01-01T00:00:00Z'),
  });
}
