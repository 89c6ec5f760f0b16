import { CANONICAL_DDL } from '../schema/index.ts';
import type { Warehouse } from '../store/index.ts';

/** The registry of flat tables written by `ingestFlat`: one row per table. */
export const FLAT_TABLES_DDL = `
CREATE TABLE IF NOT EXISTS flat_tables (
  name VARCHAR PRIMARY KEY,
  id_column VARCHAR NOT NULL,
  target_column VARCHAR NOT NULL,
  positive_values VARCHAR[] NOT NULL,
  source_file VARCHAR NOT NULL,
  rows BIGINT NOT NULL,
  run_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL
);`;

/** Create the canonical tables (leads, activities, outcomes, rejected_rows) if they do not exist. */
export async function ensureCanonicalTables(w: Warehouse): Promise<void> {
  await w.run(CANONICAL_DDL);
}

/** Create the flat-table registry if it does not exist. */
export async function ensureFlatRegistry(w: Warehouse): Promise<void> {
  await w.run(FLAT_TABLES_DDL);
}
