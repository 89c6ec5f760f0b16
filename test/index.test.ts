import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as leadscore from '../src/index.ts';

describe('the library API (src/index.ts)', () => {
  it('exports the pipelines as functions and the error classes', () => {
    for (const name of [
      'ingest',
      'ingestFlat',
      'generate',
      'train',
      'score',
      'publishScores',
      'compare',
      'monitor',
      'demo',
      'openWarehouse',
      'comparisonSummary',
      'comparisonChart',
    ] as const)
      expect(typeof leadscore[name], name).toBe('function');
    expect(leadscore.exitCodeFor(new leadscore.UsageError('x'))).toBe(2);
  });

  it('train dispatches by its options: a flat file needs a target; flat-only options need a flat file', async () => {
    await expect(leadscore.train({ pipeline: 'pipelines/train.yaml', data: 'leads.csv' })).rejects.toThrow(
      /--data needs --target/,
    );
    await expect(leadscore.train({ pipeline: 'pipelines/train.yaml', target: 'Converted' })).rejects.toThrow(
      leadscore.UsageError,
    );
  });

  it('generate writes a warehouse, and refuses to run with nowhere to write', async () => {
    await expect(leadscore.generate({ leads: 10 })).rejects.toThrow(leadscore.UsageError);
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-api-')), 'crm.duckdb');
    const { db: written, report } = await leadscore.generate({ db, leads: 200, seed: 3, snapshots: false });
    expect(written).toBe(db);
    expect(report.rows.leads).toBe(200);
    expect(fs.existsSync(db)).toBe(true);

    // openWarehouse is read-only unless told otherwise: an analyst's query cannot change the warehouse.
    const wh = await leadscore.openWarehouse(db);
    try {
      expect(await wh.count('leads')).toBe(200);
      await expect(wh.run('DELETE FROM leads')).rejects.toThrow(/read-only/i);
    } finally {
      await wh.close();
    }
  });
});
