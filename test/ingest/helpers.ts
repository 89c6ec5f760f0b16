import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Warehouse } from '../../src/store/index.ts';

/** A fresh temp folder for one test. */
export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-ingest-'));
}

/** Write a file and return its path. */
export function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A leads CSV of `n` valid rows, with optional overrides of whole lines by 1-based data row. */
export function leadsCsv(n: number, override: Record<number, string> = {}): string {
  const lines = ['lead_id,created_at,email,company,company_size,annual_revenue,country,Lead Origin'];
  for (let i = 1; i <= n; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(
      override[i] ??
        `L${i},2024-01-${day} 10:00:00,u${i}@x.com,Acme ${i},${i * 10},${i * 1000},US,${i % 2 ? 'API' : 'Form'}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Every table's rows, sorted, for before/after comparisons. */
export async function snapshot(w: Warehouse): Promise<Record<string, unknown[]>> {
  const tables = await w.all<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`,
  );
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    out[table_name] = await w.all(`SELECT * FROM "${table_name}" ORDER BY ALL`);
  }
  return out;
}
