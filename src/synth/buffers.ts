import type { AppendColumn, AppendType } from '../store/index.ts';

/**
 * Column buffers for one chunk of leads: rows accumulate as column arrays, go to DuckDB through
 * the bulk appender, and are dropped, so memory stays bounded by the chunk size.
 */

type Spec = ReadonlyArray<readonly [name: string, type: AppendType]>;

/**
 * How a chunk's columns travel: text as arrays; INTEGER in Int32Arrays (never NULL here) and other
 * numbers in Float64Arrays (NaN is NULL, as for the appender). Typed arrays are transferred from a
 * worker without a copy, and DuckDB appends DOUBLE and INTEGER ones as block copies.
 */
export type ChunkColumn = Array<string | null> | Float64Array | Int32Array;

/** One table's rows of a chunk in a form a worker can post. */
export interface ChunkTable {
  table: string;
  rows: number;
  columns: ChunkColumn[];
}

type Kind = 'text' | 'float' | 'int';

/** A set of named columns that rows are pushed onto. */
export class ColumnBuffer {
  readonly table: string;
  private readonly kinds: Kind[];
  private cols: ChunkColumn[];
  private rows = 0;
  private capacity = 1024;

  constructor(table: string, spec: Spec) {
    this.table = table;
    this.kinds = spec.map(([, type]) => (type === 'INTEGER' ? 'int' : NUMERIC.has(type) ? 'float' : 'text'));
    this.cols = this.kinds.map((k) =>
      k === 'int' ? new Int32Array(this.capacity) : k === 'float' ? new Float64Array(this.capacity) : [],
    );
  }

  /** Add one row, values in column order (null for NULL; INTEGER columns take no NULL). */
  push(...values: Array<string | number | null>): void {
    if (this.rows === this.capacity) this.grow();
    const r = this.rows++;
    for (let i = 0; i < this.cols.length; i++) {
      const v = values[i];
      const k = this.kinds[i];
      if (k === 'text') (this.cols[i] as Array<string | null>).push(v as string | null);
      else if (k === 'float') (this.cols[i] as Float64Array)[r] = v === null ? NaN : (v as number);
      else if (v === null) throw new Error(`${this.table}: NULL in INTEGER column ${i}`);
      else (this.cols[i] as Int32Array)[r] = v as number;
    }
  }

  get length(): number {
    return this.rows;
  }

  /** Hand over the rows pushed so far (typed columns trimmed to size) and start empty. */
  take(): ChunkTable {
    const columns = this.cols.map((c) => (Array.isArray(c) ? c : c.slice(0, this.rows)));
    const out = { table: this.table, rows: this.rows, columns };
    this.rows = 0;
    // typed arrays are reused (take copied them); text arrays were handed over
    this.cols = this.cols.map((c) => (Array.isArray(c) ? [] : c));
    return out;
  }

  private grow(): void {
    this.capacity *= 2;
    this.cols = this.cols.map((c) => {
      if (Array.isArray(c)) return c;
      const t = c instanceof Int32Array ? new Int32Array(this.capacity) : new Float64Array(this.capacity);
      t.set(c);
      return t;
    });
  }
}

const NUMERIC = new Set<AppendType>(['TIMESTAMP', 'BIGINT', 'INTEGER', 'DOUBLE']);

/** The buffers of typed columns in `tables` (what a worker transfers instead of copying). */
export function transferables(tables: ChunkTable[]): ArrayBuffer[] {
  return tables.flatMap((t) =>
    t.columns.filter((c) => !Array.isArray(c)).map((c) => (c as Float64Array | Int32Array).buffer as ArrayBuffer),
  );
}

/** The columns of a chunk table for `Warehouse.appendColumns`. */
export function appendColumnsOf(t: ChunkTable): AppendColumn[] {
  const spec = SPECS[t.table];
  if (!spec) throw new Error(`no column spec for ${t.table}`);
  return spec.map(([name, type], i) => ({ name, type, values: t.columns[i] }));
}

export const LEADS_SPEC: Spec = [
  ['lead_id', 'VARCHAR'],
  ['created_at', 'TIMESTAMP'],
  ['email', 'VARCHAR'],
  ['company', 'VARCHAR'],
  ['job_title', 'VARCHAR'],
  ['industry', 'VARCHAR'],
  ['company_size', 'BIGINT'],
  ['annual_revenue', 'DOUBLE'],
  ['country', 'VARCHAR'],
  ['lead_source', 'VARCHAR'],
  ['extras', 'JSON'],
];
export const OUTCOMES_SPEC: Spec = [
  ['lead_id', 'VARCHAR'],
  ['opportunity_id', 'VARCHAR'],
  ['created_at', 'TIMESTAMP'],
  ['closed_at', 'TIMESTAMP'],
  ['status', 'VARCHAR'],
  ['amount', 'DOUBLE'],
];
export const TRUTH_SPEC: Spec = [
  ['lead_id', 'VARCHAR'],
  ['persona', 'VARCHAR'],
  ['true_probability', 'DOUBLE'],
  ['converts', 'INTEGER'],
  ['won_at', 'TIMESTAMP'],
  ['fit', 'DOUBLE'],
  ['episodes', 'INTEGER'],
  ['negative_at', 'TIMESTAMP'],
];
/** Staged activities (see staging.ts): lead index, epoch second, kind id, campaign id (0: NULL), value. */
export const ACTS_SPEC: Spec = [
  ['lead', 'INTEGER'],
  ['second', 'DOUBLE'],
  ['kind', 'INTEGER'],
  ['campaign', 'INTEGER'],
  ['value', 'DOUBLE'],
];
/** Staged oracle snapshots (see staging.ts): lead index, snapshot date id, probability. */
export const SNAPS_SPEC: Spec = [
  ['lead', 'INTEGER'],
  ['date_id', 'INTEGER'],
  ['p', 'DOUBLE'],
];

const SPECS: Record<string, Spec> = {
  leads: LEADS_SPEC,
  outcomes: OUTCOMES_SPEC,
  truth: TRUTH_SPEC,
  synth_acts: ACTS_SPEC,
  synth_snaps: SNAPS_SPEC,
};

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
