/**
 * How JavaScript values become DuckDB appender values: per value (append) or a data chunk at a time
 * (appendColumns), with typed arrays copied as blocks where their layout is the column's.
 */
import { DuckDBTimestampValue, DuckDBTypeId, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';

/** Column types the appender knows how to write. */
export type AppendType = 'VARCHAR' | 'TIMESTAMP' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

/** One column of a bulk append: its type and one value per row (null for NULL). */
export interface AppendColumn {
  name: string;
  type: AppendType;
  values: ArrayLike<unknown>;
}

/** The node API's appender. */
type Appender = Awaited<ReturnType<DuckDBConnection['createAppender']>>;

/** Typed arrays whose memory layout is the column's: appended as block copies, not value by value. */
export function isBlockCopyable(c: AppendColumn, tableType: DuckDBTypeId): boolean {
  if (c.type === 'DOUBLE') return c.values instanceof Float64Array && tableType === DuckDBTypeId.DOUBLE;
  if (c.type === 'INTEGER') return c.values instanceof Int32Array && tableType === DuckDBTypeId.INTEGER;
  return false;
}

/** Rows per data chunk in appendColumns: DuckDB's standard vector size. */
export const VECTOR_ROWS = 2048;

type ChunkSetter = (vector: DuckDBVector, row: number, v: unknown) => void;

/** How appendColumns writes one value of a column type into a chunk vector (null, undefined and NaN: NULL). */
export function chunkSetter(type: AppendType): ChunkSetter {
  const isNull = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  switch (type) {
    case 'VARCHAR':
    case 'JSON':
      return (vec, r, v) => vec.setItem(r, isNull(v) ? null : typeof v === 'string' ? v : JSON.stringify(v));
    case 'TIMESTAMP':
      return (vec, r, v) => {
        if (isNull(v)) return vec.setItem(r, null);
        const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v));
        vec.setItem(r, new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n));
      };
    case 'BIGINT':
      return (vec, r, v) => vec.setItem(r, isNull(v) ? null : BigInt(Math.trunc(Number(v))));
    case 'INTEGER':
      return (vec, r, v) => vec.setItem(r, isNull(v) ? null : Math.trunc(Number(v)));
    case 'DOUBLE':
      return (vec, r, v) => vec.setItem(r, isNull(v) ? null : Number(v));
    case 'BOOLEAN':
      return (vec, r, v) => vec.setItem(r, isNull(v) ? null : Boolean(v));
  }
}

export function appendValue(a: Appender, type: AppendType, v: unknown): void {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
    a.appendNull();
    return;
  }
  switch (type) {
    case 'VARCHAR':
    case 'JSON':
      a.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v));
      return;
    case 'TIMESTAMP': {
      const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v));
      a.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n));
      return;
    }
    case 'BIGINT':
      a.appendBigInt(BigInt(Math.trunc(Number(v))));
      return;
    case 'INTEGER':
      a.appendInteger(Math.trunc(Number(v)));
      return;
    case 'DOUBLE':
      a.appendDouble(Number(v));
      return;
    case 'BOOLEAN':
      a.appendBoolean(Boolean(v));
      return;
  }
}
