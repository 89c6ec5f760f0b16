import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { withWarehouse } from '../store/index.ts';
import {
  generateCrm,
  scratchWarehousePath,
  validateGenerateOptions,
  type GenerateReport,
  type RawGenerateOptions,
} from '../synth/index.ts';

export type { GenerateReport };

/** Options of a synthetic CRM run: the generator's options plus where its tables go. */
export interface GenerateDataOptions extends RawGenerateOptions {
  /** warehouse file to write; omitted with `out`: files only (made in a scratch warehouse, removed after) */
  db?: string;
  /** also write each table to out/<table>.<format> */
  out?: string;
  /** file format for `out`: parquet (default) or csv */
  format?: string;
  /** called with each warning about the options (e.g. a persona mix that was rescaled) before generating */
  onWarning?: (message: string) => void;
  onProgress?: (message: string) => void;
}

/** What a run made: the generator's report, and the warehouse written (null for files only). */
export interface GenerateDataResult {
  db: string | null;
  report: GenerateReport;
}

/** Generate a synthetic CRM with known ground truth into a warehouse file and/or data files. */
export async function generateData(opts: GenerateDataOptions): Promise<GenerateDataResult> {
  const { db, out, format = 'parquet', onWarning, onProgress, ...raw } = opts;
  const { options, warnings } = validateGenerateOptions(raw);
  if (format !== 'parquet' && format !== 'csv')
    throw new UsageError(`--format must be parquet or csv, got "${format}"`);
  if (db === undefined && out === undefined)
    throw new UsageError('generate needs a warehouse file or an output folder', 'e.g. --db data/leadscore.duckdb');
  for (const w of warnings) onWarning?.(w);
  const scratch = db === undefined ? scratchWarehousePath() : undefined;
  try {
    const report = await withWarehouse(scratch ?? db!, (w) =>
      generateCrm(w, options, { out: out === undefined ? undefined : { dir: out, format }, onProgress }),
    );
    return { db: scratch ? null : db!, report };
  } finally {
    if (scratch) fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
  }
}
