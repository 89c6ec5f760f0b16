import duckdb from '@duckdb/node-bindings';
import { DuckDBTypeId, type DuckDBDataChunk, type DuckDBResult } from '@duckdb/node-api';

/**
 * Numeric columns moved between DuckDB data chunks and typed arrays as whole blocks of memory.
 * The node API converts value by value (an object or a boxed number per cell, then garbage); at
 * millions of rows that was most of a scoring run's read and write time. These go through the
 * low-level bindings the node API itself is built on: one copy per vector, nulls from the validity mask.
 */

/** How a numeric DuckDB type lies in a vector: the typed array that views it. */
const LAYOUT: Partial<
  Record<DuckDBTypeId, { bytes: number; view: (b: ArrayBuffer, off: number, n: number) => ArrayLike<number> }>
> = {
  [DuckDBTypeId.DOUBLE]: { bytes: 8, view: (b, o, n) => new Float64Array(b, o, n) },
  [DuckDBTypeId.FLOAT]: { bytes: 4, view: (b, o, n) => new Float32Array(b, o, n) },
  [DuckDBTypeId.INTEGER]: { bytes: 4, view: (b, o, n) => new Int32Array(b, o, n) },
  [DuckDBTypeId.UINTEGER]: { bytes: 4, view: (b, o, n) => new Uint32Array(b, o, n) },
  [DuckDBTypeId.SMALLINT]: { bytes: 2, view: (b, o, n) => new Int16Array(b, o, n) },
  [DuckDBTypeId.USMALLINT]: { bytes: 2, view: (b, o, n) => new Uint16Array(b, o, n) },
  [DuckDBTypeId.TINYINT]: { bytes: 1, view: (b, o, n) => new Int8Array(b, o, n) },
  [DuckDBTypeId.UTINYINT]: { bytes: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
  [DuckDBTypeId.BOOLEAN]: { bytes: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
};

/** True when readNumericColumns can read a column of this type. */
export function isTypedReadable(type: DuckDBTypeId): boolean {
  return LAYOUT[type] !== undefined;
}

/**
 * Every column of a result as a Float64Array (NULL -> NaN), chunk by chunk. Columns must be of a
 * numeric type (cast BIGINT, DECIMAL, timestamps to DOUBLE in SQL); anything else is refused.
 */
export async function readNumericColumns(result: DuckDBResult): Promise<Record<string, Float64Array>> {
  const names = result.deduplicatedColumnNames();
  const layouts = names.map((name, j) => {
    const layout = LAYOUT[result.columnTypeId(j)];
    if (!layout)
      throw new Error(
        `column ${name} is ${result.columnType(j).toString()}, not a numeric type: cast it to DOUBLE in the query`,
      );
    return layout;
  });
  const parts: Float64Array[][] = names.map(() => []);
  let total = 0;
  for (;;) {
    const chunk: DuckDBDataChunk | null = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    for (let j = 0; j < names.length; j++) parts[j].push(vectorToFloat64(chunk, j, rows, layouts[j]));
    total += rows;
  }
  const out: Record<string, Float64Array> = {};
  for (let j = 0; j < names.length; j++) {
    const col = new Float64Array(total);
    let at = 0;
    for (const p of parts[j]) {
      col.set(p, at);
      at += p.length;
    }
    out[names[j]] = col;
  }
  return out;
}

/** Column j of one chunk: DOUBLE as a Float64Array (NULL -> NaN), INTEGER as an Int32Array (no NULLs). */
export type ChunkColumn = Float64Array | Int32Array;

/**
 * Call `each` with every chunk of a result as it arrives: DOUBLE columns as Float64Arrays (NULL -> NaN) and
 * INTEGER columns as Int32Arrays, viewing DuckDB's vectors where they have no NULLs (valid only during the call), so
 * a reader scatters the values straight where they belong instead of concatenating copies first.
 */
export async function forEachNumericChunk(
  result: DuckDBResult,
  each: (columns: Record<string, ChunkColumn>, rows: number) => void,
): Promise<void> {
  const names = result.deduplicatedColumnNames();
  const types = names.map((name, j) => {
    const type = result.columnTypeId(j);
    if (type !== DuckDBTypeId.DOUBLE && type !== DuckDBTypeId.INTEGER)
      throw new Error(`column ${name} is ${result.columnType(j).toString()}: cast it to DOUBLE or INTEGER`);
    return type;
  });
  for (;;) {
    const chunk: DuckDBDataChunk | null = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    const columns: Record<string, ChunkColumn> = {};
    for (let j = 0; j < names.length; j++) {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, j);
      const isDouble = types[j] === DuckDBTypeId.DOUBLE;
      const data = duckdb.vector_get_data(vector, rows * (isDouble ? 8 : 4));
      const buffer = data.buffer as ArrayBuffer;
      let values: ChunkColumn = isDouble
        ? new Float64Array(buffer, data.byteOffset, rows)
        : new Int32Array(buffer, data.byteOffset, rows);
      const validity = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      if (validity && validity.byteLength > 0) {
        for (let i = 0; i < rows; i++) {
          if (((validity[i >> 3] >> (i & 7)) & 1) !== 0) continue;
          if (!isDouble) throw new Error(`column ${names[j]} has NULLs: cast it to DOUBLE (NULL reads as NaN)`);
          if (values.buffer === buffer) values = new Float64Array(values); // a copy: never write DuckDB's memory
          values[i] = NaN;
        }
      }
      columns[names[j]] = values;
    }
    each(columns, rows);
  }
}

function vectorToFloat64(
  chunk: DuckDBDataChunk,
  j: number,
  rows: number,
  layout: NonNullable<(typeof LAYOUT)[DuckDBTypeId]>,
): Float64Array {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, j);
  const data = duckdb.vector_get_data(vector, rows * layout.bytes);
  const src = layout.view(data.buffer as ArrayBuffer, data.byteOffset, rows);
  const out = Float64Array.from(src);
  const validity = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
  if (validity && validity.byteLength > 0) {
    for (let i = 0; i < rows; i++) if (((validity[i >> 3] >> (i & 7)) & 1) === 0) out[i] = NaN;
  }
  return out;
}

/**
 * Write rows [from, from + rows) of a typed array into column j of a data chunk created for appending,
 * as one block copy; NaN becomes NULL. The column must be DOUBLE (Float64Array) or INTEGER (Int32Array).
 */
export function fillVector(
  chunk: DuckDBDataChunk,
  j: number,
  values: Float64Array | Int32Array,
  from: number,
  rows: number,
): void {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, j);
  const bytes = values.BYTES_PER_ELEMENT;
  duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + from * bytes, rows * bytes);
  if (!(values instanceof Float64Array)) return;
  // the validity mask comes back as a copy: build it here (1 bit per row, set = valid) and copy it in
  let mask: Uint8Array | null = null;
  for (let i = 0; i < rows; i++) {
    if (values[from + i] === values[from + i]) continue;
    if (!mask) mask = new Uint8Array(Math.ceil(rows / 64) * 8).fill(0xff);
    mask[i >> 3] &= ~(1 << (i & 7));
  }
  if (mask) {
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer as ArrayBuffer, 0, mask.byteLength);
  }
}
