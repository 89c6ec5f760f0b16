import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { DataError } from '../../src/errors.ts';
import { Warehouse, withWarehouse } from '../../src/store/index.ts';
import { ingestFiles } from '../../src/pipelines/ingest-run.ts';
import { leadsCsv, tmpDir, write } from './helpers.ts';

// The journal's verdicts, on states made by hand: a commit torn the way DuckDB 1.5.5 can replay one
// (part of the transaction kept) is found on the next open, every open refuses the warehouse naming the
// ingest to re-run, and re-running it repairs it. A run that died before committing is cleared quietly.

const NOW = new Date('2025-01-01T00:00:00Z');

async function loaded(): Promise<{ dir: string; db: string; leads: string; acts: string }> {
  const dir = tmpDir();
  const db = path.join(dir, 'w.duckdb');
  const leads = write(dir, 'l.csv', leadsCsv(20));
  const acts = write(dir, 'a.csv', 'lead_id,occurred_at,activity_type\nL1,2024-02-01,x\nL2,2024-02-01,y\nL3,bad,z\n');
  await ingestFiles({ db, leads, now: NOW });
  await ingestFiles({ db, activities: acts, runId: 'torn', now: NOW, maxRejectRate: 1 });
  return { dir, db, leads, acts };
}

describe('ingest journal', () => {
  it('a commit kept in part (activities, not the rejected row) is reported on open; re-running repairs', async () => {
    const { db, acts } = await loaded();
    await withWarehouse(db, async (w) => {
      // what a torn replay leaves: the new activities, but not the rejected row, and no settled entry
      await w.run(`DELETE FROM rejected_rows WHERE run_id = 'torn'`);
      await w.run(`DELETE FROM ingest_journal WHERE run_id = 'torn' AND entry = 'settled'`);
    });
    const open = () => Warehouse.open(db);
    await expect(open()).rejects.toThrow(
      /incomplete ingest: run torn .* interrupted while committing .*rejected_rows 0 rows \(before 0, after 1\)/,
    );
    await expect(Warehouse.open(db, { readOnly: true })).rejects.toThrow(/incomplete ingest/);
    const err = (await open().catch((e: unknown) => e)) as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.hint).toMatch(/run the same ingest again \(.*a\.csv\)/);
    const again = await ingestFiles({ db, activities: acts, runId: 'again', now: NOW, maxRejectRate: 1 });
    expect(again.repaired).toEqual(['torn']);
    await withWarehouse(db, async (w) => {
      expect(await w.count('activities')).toBe(2);
      expect(await w.count('rejected_rows')).toBe(1);
    });
  });

  it('a run that began but never committed (tables as before) is cleared on open, without a word', async () => {
    const { db } = await loaded();
    await withWarehouse(db, async (w) => {
      // as if the process died after recording begin: nothing of it reached the tables
      await w.run(`INSERT INTO ingest_journal SELECT 'died', 'begin', now()::TIMESTAMP, tables, fingerprint, files, NULL
        FROM ingest_journal WHERE run_id = 'torn' AND entry = 'done'`);
    });
    await withWarehouse(db, async (w) =>
      expect(await w.all(`SELECT entry FROM ingest_journal WHERE run_id = 'died' ORDER BY recorded_at`)).toEqual([
        { entry: 'begin' },
        { entry: 'interrupted' },
      ]),
    );
  });

  it('a run that committed but was killed before settling is settled on open', async () => {
    const { db } = await loaded();
    await withWarehouse(db, (w) => w.run(`DELETE FROM ingest_journal WHERE run_id = 'torn' AND entry = 'settled'`));
    await withWarehouse(db, async (w) =>
      expect(await w.count('ingest_journal', `run_id = 'torn' AND entry = 'settled'`)).toBe(1),
    );
  });
});
