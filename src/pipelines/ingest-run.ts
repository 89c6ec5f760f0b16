import path from 'node:path';
import {
  ingest,
  ingestFlat,
  type FlatIngestOptions,
  type FlatIngestReport,
  type IngestOptions,
  type IngestReport,
} from '../ingest/index.ts';
import { withWarehouse } from '../store/index.ts';

export type { FlatIngestReport, IngestReport, RejectSample } from '../ingest/index.ts';

/** Options of an ingest of CRM exports into a warehouse file. */
export interface IngestRunOptions extends IngestOptions {
  /** the warehouse file (created if missing) */
  db: string;
}

/** Options of an ingest of one flat table into a warehouse file; the table name defaults to the file's. */
export interface FlatIngestRunOptions extends Omit<FlatIngestOptions, 'name'> {
  db: string;
  /** table to write (default: the file's base name as an identifier, e.g. x_education_leads) */
  name?: string;
}

/**
 * Load leads, activities and/or outcomes files into a warehouse, validating every row before writing any,
 * in one journaled transaction.
 */
export async function ingestFiles(opts: IngestRunOptions): Promise<IngestReport> {
  const { db, ...options } = opts;
  // an ingest torn by a crash is reported by every other command; re-running the ingest repairs it
  return withWarehouse(db, (w) => ingest(w, options), { allowTornIngest: true });
}

/** Load one flat table (an id column, a target column, one row per lead) into a warehouse. */
export async function ingestFlatFile(opts: FlatIngestRunOptions): Promise<FlatIngestReport> {
  const { db, name, ...options } = opts;
  return withWarehouse(db, (w) => ingestFlat(w, { ...options, name: name ?? tableNameOf(opts.file) }));
}

/** A file's base name as a table name: letters, digits and underscores, not starting with a digit. */
function tableNameOf(file: string): string {
  return path
    .basename(file, path.extname(file))
    .replace(/[^A-Za-z0-9_]/g, '_')
    .replace(/^([0-9])/, '_$1');
}
