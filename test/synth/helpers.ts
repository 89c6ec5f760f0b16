import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Warehouse } from '../../src/store/index.ts';

/** A fresh temp folder for a test's DuckDB files. */
export function tmpDir(prefix = 'leadscore-synth-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An order-independent content hash of a table (row count + sum of row hashes; duplicates do not cancel). */
export async function tableHash(w: Warehouse, table: string): Promise<string> {
  const row = await w.one<{ n: number; h: string }>(
    `SELECT count(*)::BIGINT AS n, coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR AS h FROM ${table} AS t`,
  );
  return `${row?.n}:${row?.h}`;
}
