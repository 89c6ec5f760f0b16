import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { runLeadscore, type CliResult } from '../cli/run.ts';
import { leadsCsv, tmpDir, write } from '../ingest/helpers.ts';

/** Row count and content hash of each canonical table: what a hostile input must not change unseen. */
export type TableState = Record<string, { rows: number; hash: string }>;

const TABLES = ['leads', 'activities', 'outcomes', 'rejected_rows'];

/** The state of a warehouse's canonical tables (absent tables: 0 rows). */
export async function tableState(db: string): Promise<TableState> {
  return withWarehouse(db, async (w) => {
    const out: TableState = {};
    for (const t of TABLES) {
      if (!(await w.tableExists(t))) {
        out[t] = { rows: 0, hash: '' };
        continue;
      }
      const rows = await w.all(`SELECT * FROM ${t} ORDER BY ALL`);
      const text = JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? String(v) : v));
      out[t] = { rows: rows.length, hash: crypto.createHash('sha256').update(text).digest('hex').slice(0, 16) };
    }
    return out;
  });
}

/** A warehouse with 5 leads already in it, and its folder. */
export async function seeded(): Promise<{ dir: string; db: string; before: TableState }> {
  const dir = tmpDir();
  const db = path.join(dir, 'w.duckdb');
  const r = await runLeadscore(['ingest', '--db', db, '--leads', write(dir, 'seed.csv', leadsCsv(5))]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { dir, db, before: await tableState(db) };
}

/** Run `leadscore ingest --db db ...args`. */
export function ingestCli(db: string, ...args: string[]): Promise<CliResult> {
  return runLeadscore(['ingest', '--db', db, ...args]);
}

/** Write raw bytes to a file in dir. */
export function writeBytes(dir: string, name: string, bytes: Buffer | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

export { write };
