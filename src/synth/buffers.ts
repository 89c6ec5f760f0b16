import type { AppendColumn, AppendType } from '../store/index.ts';

/**
 * Column buffers for one chunk of leads: rows accumulate as column arrays, go to DuckDB through
 * the bulk appender, and are dropped, so memory stays bounded by the chunk size.
 */

type Spec = ReadonlyArray<readonly [name: string, type: AppendType]>;

/** A set of named columns that rows are pushed onto. */
export class ColumnBuffer {
  readonly table: string;
  private readonly spec: Spec;
  private cols: unknown[][];

  constructor(table: string, spec: Spec) {
    this.table = table;
    this.spec = spec;
    this.cols = spec.map(() => []);
  }

  /** Add one row, values in column order. */
  push(...values: unknown[]): void {
    for (let i = 0; i < this.cols.length; i++) this.cols[i].push(values[i]);
  }

  get length(): number {
    return this.cols[0].length;
  }

  /** The columns for `Warehouse.append`. */
  columns(): AppendColumn[] {
    return this.spec.map(([name, type], i) => ({ name, type, values: this.cols[i] }));
  }

  /** Forget all rows (after they were appended). */
  clear(): void {
    this.cols = this.spec.map(() => []);
  }
}

export const LEADS_SPEC: Spec = [
  ['lead_id', 'VARCHAR'], ['created_at', 'TIMESTAMP'], ['email', 'VARCHAR'], ['company', 'VARCHAR'], ['job_title', 'VARCHAR'],
  ['industry', 'VARCHAR'], ['company_size', 'BIGINT'], ['annual_revenue', 'DOUBLE'], ['country', 'VARCHAR'],
  ['lead_source', 'VARCHAR'], ['extras', 'JSON'],
];
export const OUTCOMES_SPEC: Spec = [
  ['lead_id', 'VARCHAR'], ['opportunity_id', 'VARCHAR'], ['created_at', 'TIMESTAMP'], ['closed_at', 'TIMESTAMP'],
  ['status', 'VARCHAR'], ['amount', 'DOUBLE'],
];
export const TRUTH_SPEC: Spec = [
  ['lead_id', 'VARCHAR'], ['persona', 'VARCHAR'], ['true_probability', 'DOUBLE'], ['converts', 'INTEGER'],
  ['won_at', 'TIMESTAMP'], ['fit', 'DOUBLE'], ['episodes', 'INTEGER'], ['negative_at', 'TIMESTAMP'],
];
/** Activities and snapshots of one lead, packed (see packing.ts). */
export const PACKED_SPEC: Spec = [['lead_id', 'VARCHAR'], ['acts', 'VARCHAR'], ['snaps', 'VARCHAR']];

/** DDL of the generator's own tables (the canonical ones come from CANONICAL_DDL). */
export const TRUTH_DDL = `
CREATE TABLE truth (
  lead_id VARCHAR PRIMARY KEY,
  persona VARCHAR NOT NULL,
  true_probability DOUBLE NOT NULL,
  converts INTEGER NOT NULL,
  won_at TIMESTAMP,
  fit DOUBLE,
  episodes INTEGER,
  negative_at TIMESTAMP
);
CREATE TABLE truth_snapshots (
  lead_id VARCHAR NOT NULL,
  as_of TIMESTAMP NOT NULL,
  p_true_90d DOUBLE NOT NULL
);
`;
