import type { AppendColumn, AppendType } from '../store/index.ts';

/**
 * Column buffers for one chunk of leads: rows accumulate as column arrays, go to DuckDB through
 * the bulk appender, and are dropped, so memory stays bounded by the chunk size.
 */

type Spec = ReadonlyArray<readonly [name: string, type: AppendType]>;

/** Text columns stay arrays; numbers go in Float64Arrays (NaN is NULL, as for the appender). */
export type ChunkColumn = Array<string | null> | Float64Array;

/** One table's rows of a chunk in a form a worker can post (number columns are transferable). */
export interface ChunkTable {
  table: string;
  rows: number;
  columns: ChunkColumn[];
}

/** A set of named columns that rows are pushed onto. */
export class ColumnBuffer {
  readonly table: string;
  private readonly spec: Spec;
  private readonly numeric: boolean[];
  private cols: ChunkColumn[];
  private rows = 0;
  private capacity = 1024;

  constructor(table: string, spec: Spec) {
    this.table = table;
    this.spec = spec;
    this.numeric = spec.map(([, type]) => NUMERIC.has(type));
    this.cols = this.fresh();
  }

  /** Add one row, values in column order (null for NULL). */
  push(...values: Array<string | number | null>): void {
    if (this.rows === this.capacity) this.grow();
    const r = this.rows++;
    for (let i = 0; i < this.cols.length; i++) {
      const v = values[i];
      if (this.numeric[i]) (this.cols[i] as Float64Array)[r] = v === null ? NaN : (v as number);
      else (this.cols[i] as Array<string | null>).push(v as string | null);
    }
  }

  get length(): number {
    return this.rows;
  }

  /** Hand over the rows pushed so far (number columns trimmed to size) and start empty. */
  take(): ChunkTable {
    const columns = this.cols.map((c) => (c instanceof Float64Array ? c.slice(0, this.rows) : c));
    const out = { table: this.table, rows: this.rows, columns };
    this.rows = 0;
    // number arrays are reused (take copied them); text arrays were handed over
    this.cols = this.cols.map((c) => (c instanceof Float64Array ? c : []));
    return out;
  }

  private fresh(): ChunkColumn[] {
    return this.numeric.map((n) => (n ? new Float64Array(this.capacity) : []));
  }

  private grow(): void {
    this.capacity *= 2;
    this.cols = this.cols.map((c) => {
      if (!(c instanceof Float64Array)) return c;
      const t = new Float64Array(this.capacity);
      t.set(c);
      return t;
    });
  }
}

const NUMERIC = new Set<AppendType>(['TIMESTAMP', 'BIGINT', 'INTEGER', 'DOUBLE']);

/** The columns of a chunk table for `Warehouse.appendColumns`. */
export function appendColumnsOf(t: ChunkTable): AppendColumn[] {
  const spec = SPECS[t.table];
  if (!spec) throw new Error(`no column spec for ${t.table}`);
  return spec.map(([name, type], i) => ({ name, type, values: t.columns[i] }));
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

const SPECS: Record<string, Spec> = { leads: LEADS_SPEC, outcomes: OUTCOMES_SPEC, truth: TRUTH_SPEC, synth_packed: PACKED_SPEC };

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
