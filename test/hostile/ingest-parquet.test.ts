import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { ingestCli, seeded, tableState } from './ingest-helpers.ts';

// Parquet files whose schema is not the one expected: typed columns of the wrong type, nested
// columns, a missing required column. Each is refused whole (exit 3, nothing written) or rejected
// per row with the stored type named; none is loaded silently.

async function parquet(db: string, dir: string, name: string, select: string): Promise<string> {
  const file = path.join(dir, name);
  await withWarehouse(path.join(dir, 'scratch.duckdb'), (w) => w.exportQuery(select, file, 'parquet'));
  return file;
}

describe('hostile Parquet', () => {
  it('created_at stored as BOOLEAN: every row rejected, exit 3, the stored type named, nothing written', async () => {
    const { dir, db, before } = await seeded();
    const file = await parquet(
      db,
      dir,
      'b.parquet',
      `SELECT 'P' || i AS lead_id, i % 2 = 0 AS created_at FROM range(5) t(i)`,
    );
    const r = await ingestCli(db, '--leads', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/every row \(5\) was rejected, so nothing was written/);
    expect(r.stderr).toMatch(/created_at: "(true|false)" is not a date .*the file stores it as BOOLEAN/);
    expect(await tableState(db)).toEqual(before);
  });

  it('a nested (STRUCT) column is rejected per row; dropped in a mapping, the file loads', async () => {
    const { dir, db, before } = await seeded();
    const file = await parquet(
      db,
      dir,
      's.parquet',
      `SELECT 'P' || i AS lead_id, TIMESTAMP '2024-01-01' + INTERVAL (i) DAY AS created_at, {'a': i} AS meta
       FROM range(4) t(i)`,
    );
    const r = await ingestCli(db, '--leads', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/meta: nested_value: 4 row/);
    expect(await tableState(db)).toEqual(before);
    const ok = await ingestCli(db, '--leads', file, '--map', writeMap(dir, 'leads: {drop: [meta]}\n'), '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).tables.leads).toMatchObject({ loaded: 4, dropped: ['meta'] });
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 4);
  });

  it('a missing required column refuses the file naming it and the columns found', async () => {
    const { dir, db, before } = await seeded();
    const file = await parquet(db, dir, 'm.parquet', `SELECT 'P' || i AS id, 3.5 AS score FROM range(3) t(i)`);
    const r = await ingestCli(db, '--leads', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/has no column "lead_id" \(required\)\. Columns found: id, score/);
    expect(await tableState(db)).toEqual(before);
  });

  it('integers and timestamps of any Parquet type load as the canonical types', async () => {
    const { dir, db, before } = await seeded();
    const file = await parquet(
      db,
      dir,
      't.parquet',
      `SELECT i AS lead_id, DATE '2024-01-01' + CAST(i AS INTEGER) AS created_at,
         CAST(i * 10 AS SMALLINT) AS company_size FROM range(1, 4) t(i)`,
    );
    const r = await ingestCli(db, '--leads', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    await withWarehouse(db, async (w) =>
      expect(
        await w.one(`SELECT lead_id, company_size, created_at::VARCHAR AS c FROM leads WHERE lead_id = '2'`),
      ).toEqual({
        lead_id: '2',
        company_size: 20,
        c: '2024-01-03 00:00:00',
      }),
    );
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 3);
  });
});

function writeMap(dir: string, text: string): string {
  const file = path.join(dir, 'map.yaml');
  fs.writeFileSync(file, text);
  return file;
}
