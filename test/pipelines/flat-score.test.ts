/**
 * Issue #16 item 6: a model trained on a flat table scores flat rows into lead_scores (same columns,
 * reasons included) or a file, and the probabilities written are the model's own in-memory
 * predictions; `ingest --flat` loads a table that `train --db` and `score --db` use; a flat model is
 * named after its data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFlatScoringFrame, transform, type FlatScoringSpec } from '../../src/features/index.ts';
import { modelNameOf } from '../../src/pipelines/train-run.ts';
import { openModel } from '../../src/pipelines/trained-model.ts';
import { SCORE_COLUMNS } from '../../src/pipelines/tables.ts';
import { withWarehouse } from '../../src/store/index.ts';
import { runLeadscore } from '../cli/run.ts';
import { flatCsv, QUICK_PIPELINE, tempDir } from '../hostile/helpers.ts';

let dir: string;
let csv: string;
let models: string;
let pipeline: string;

beforeAll(async () => {
  dir = tempDir('leadscore-flat-');
  csv = await flatCsv(dir, 1500);
  models = path.join(dir, 'models');
  pipeline = path.join(dir, 'quick.yaml');
  fs.writeFileSync(pipeline, QUICK_PIPELINE);
  const r = await runLeadscore([
    'train',
    pipeline,
    '--data',
    csv,
    '--target',
    'Converted',
    '--id',
    'Prospect ID',
    '--models-dir',
    models,
  ]);
  expect(r.code).toBe(0);
});

/** The model's own predictions for the file's rows, by lead id. */
async function inMemory(ref: string): Promise<Map<string, number>> {
  const trained = await openModel(ref, models);
  const { frame } = await loadFlatScoringFrame(csv, trained.spec as FlatScoringSpec, { leads: 'all' });
  const { matrix } = transform(trained.encoders, frame);
  const p = trained.model.predict(matrix, null).probability;
  return new Map(frame.ids.map((id, i) => [id, p[i]]));
}

describe('flat models all the way to scores', () => {
  it('are named after their data', () => {
    expect(fs.readdirSync(models)).toEqual(['leads_small']);
    expect(modelNameOf('data/x_education_leads.csv')).toBe('x_education_leads');
    expect(modelNameOf('/exports/Leads 2025 (Q3).parquet')).toBe('Leads_2025_Q3');
  });

  it('score --data writes lead_scores whose probabilities equal the in-memory predictions', async () => {
    const db = path.join(dir, 'scores.duckdb');
    await withWarehouse(db, async () => undefined); // an empty warehouse to write into
    const r = await runLeadscore([
      'score',
      '--db',
      db,
      '--model',
      'leads_small@v0001',
      '--models-dir',
      models,
      '--data',
      csv,
      '--leads',
      'all',
    ]);
    expect(r.code).toBe(0);
    const expected = await inMemory('leads_small@v0001');
    await withWarehouse(
      db,
      async (w) => {
        expect(await w.tableColumns('lead_scores')).toEqual(SCORE_COLUMNS);
        const rows = await w.all<{ lead_id: string; probability: number; score: number; reasons: string }>(
          'SELECT lead_id, probability, score, reasons FROM lead_scores',
        );
        expect(rows).toHaveLength(1500);
        for (const row of rows) {
          expect(row.probability).toBe(expected.get(row.lead_id));
          expect(row.score).toBe(Math.round(100 * row.probability));
        }
        // reasons included (the JSON's shape is the reasons' own: a list, or up and down lists)
        for (const row of rows.slice(0, 50)) {
          const json = JSON.parse(row.reasons);
          const entries = Array.isArray(json) ? json : [...(json.up ?? []), ...(json.down ?? [])];
          expect(entries.length).toBeGreaterThan(0);
          expect(entries[0].text).toEqual(expect.any(String));
        }
        expect(await w.count('lead_score_history')).toBe(1500);
        const run = await w.one<{ status: string; rows_scored: number }>('SELECT status, rows_scored FROM score_runs');
        expect(run).toEqual({ status: 'succeeded', rows_scored: 1500 });
      },
      { readOnly: true },
    );
  });

  it('score --data --out FILE.csv writes the same columns and probabilities, without any warehouse', async () => {
    const out = path.join(dir, 'out', 'scores.csv');
    const r = await runLeadscore(
      ['score', '--model', 'leads_small@v0001', '--models-dir', models, '--data', csv, '--out', out].concat([
        '--db',
        path.join(dir, 'no-such.duckdb'),
      ]),
    );
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'no-such.duckdb'))).toBe(false);
    const expected = await inMemory('leads_small@v0001');
    await withWarehouse(':memory:', async (w) => {
      const file = out.replaceAll("'", "''");
      const cols = await w.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv('${file}', header = true)`);
      expect(cols.map((c) => c.column_name)).toEqual(SCORE_COLUMNS);
      const rows = await w.all<{ lead_id: string; probability: number }>(
        `SELECT lead_id, probability FROM read_csv('${file}', header = true)`,
      );
      // --leads open (the default) leaves out the rows whose Converted already says 1
      const converted = [...expected.keys()].length - rows.length;
      expect(r.stdout).toContain(`note: ${converted} rows whose "Converted" already says converted were left out`);
      for (const row of rows) expect(row.probability).toBeCloseTo(expected.get(row.lead_id)!, 12);
    });
  });

  it('ingest --flat loads a table that train --db and score --db use', async () => {
    const db = path.join(dir, 'flat.duckdb');
    const ingest = await runLeadscore([
      'ingest',
      '--db',
      db,
      '--flat',
      csv,
      '--id',
      'Prospect ID',
      '--target',
      'Converted',
      '--name',
      'webinar_leads',
    ]);
    expect(ingest.code).toBe(0);
    const train = await runLeadscore(['train', pipeline, '--db', db, '--models-dir', models]);
    expect(train.code).toBe(0);
    expect(train.stderr).toMatch(/reading table webinar_leads/);
    const card = JSON.parse(fs.readFileSync(path.join(models, 'webinar_leads', 'v0001', 'model.json'), 'utf8'));
    expect(card.features.spec).toMatchObject({ kind: 'flat', table: 'webinar_leads', target: 'target' });
    // the original target column is the label, never a feature
    expect(card.features.spec.columns.map((c: { name: string }) => c.name)).not.toContain('Converted');

    const score = await runLeadscore(['score', '--db', db, '--model', 'webinar_leads@v0001', '--models-dir', models]);
    expect(score.code).toBe(0);
    await withWarehouse(
      db,
      async (w) => {
        const open = await w.count('webinar_leads', 'target = 0');
        expect(await w.count('lead_scores')).toBe(open);
        expect(await w.count('lead_scores', `lead_id NOT IN (SELECT "Prospect ID" FROM webinar_leads)`)).toBe(0);
      },
      { readOnly: true },
    );
  });

  it('a flat model with no rows named to score is a usage error', async () => {
    const r = await runLeadscore(['score', '--model', 'leads_small@v0001', '--models-dir', models]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was trained on the flat file leads_small\.csv: say which rows to score/);
  });
});
