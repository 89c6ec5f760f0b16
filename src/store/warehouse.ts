import { DuckDBDataChunk, DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { DataError, NotFoundError, environmentError } from '../errors.ts';
import { quoteIdent, quoteLiteral } from './quote.ts';
import { fillVector, forEachNumericChunk, readNumericColumns, type ChunkColumn } from './typed-columns.ts';
import { copyOptionsSql, isDuckDbFile, readFileSql, type FileFormat } from './files.ts';
import { checkJournal, tornError } from './journal.ts';
import { appendValue, chunkSetter, isBlockCopyable, VECTOR_ROWS, type AppendColumn } from './appender.ts';

export { formatOf, readFileSql, type FileFormat } from './files.ts';

/** A parameter for a query: positional ($1, $2, ...) or named ($name). */
export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;

export type { AppendColumn, AppendType } from './appender.ts';

/** Options for opening a warehouse. */
export interface OpenOptions {
  readOnly?: boolean;
  /** cap DuckDB's threads (default: all cores) */
  threads?: number;
  /**
   * Read the file without ever writing it: an in-memory database with the file attached READ_ONLY
   * behind it. Scratch tables go to memory, unqualified reads fall through to the file, and any
   * number of processes can do this at once (sharded scoring).
   */
  overlay?: boolean;
  /** open even when an ingest was torn while committing (ingest itself: re-running it repairs) */
  allowTornIngest?: boolean;
  /**
   * Create the file when it does not exist (default true: ingest and generate make warehouses). false:
   * a missing file is a NotFoundError and nothing is created, neither the file nor its folder, so a
   * mistyped --db leaves nothing behind.
   */
  create?: boolean;
}

/** Refuse a warehouse file that is not there (`:memory:` always is), before anything creates it. */
export function requireWarehouse(file: string): void {
  if (file !== ':memory:' && !fs.existsSync(file)) throw warehouseNotFound(file);
}

/** The error for a warehouse file that is not there (exit 3), with the same words everywhere. */
export function warehouseNotFound(file: string): NotFoundError {
  return new NotFoundError(
    `warehouse not found: ${file}`,
    'check --db (or db: in the pipeline file); `leadscore ingest` or `leadscore generate` creates a warehouse',
  );
}

/**
 * The DuckDB warehouse: the only code in leadscore that talks to DuckDB.
 * One connection, queries serialized (the node API runs one query at a time per connection).
 */
export class Warehouse {
  readonly path: string;
  private instance: DuckDBInstance;
  private conn: DuckDBConnection;
  private queue: Promise<unknown> = Promise.resolve();
  private inTransaction = false;
  private closed = false;

  /** statements every new connection runs first (the overlay's search path) */
  private readonly sessionSetup: string[];
  /** false for a second connection: closing it leaves the database open for the first */
  private readonly ownsInstance: boolean;

  private constructor(
    p: string,
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    sessionSetup: string[] = [],
    ownsInstance = true,
  ) {
    this.path = p;
    this.instance = instance;
    this.conn = conn;
    this.sessionSetup = sessionSetup;
    this.ownsInstance = ownsInstance;
  }

  /**
   * Another connection to the same database, so one query can run while this connection runs another
   * (DuckDB runs them side by side). It sees this connection's committed tables, not its TEMP ones.
   * Close it when done; the database stays open until the first warehouse closes.
   */
  async secondConnection(): Promise<Warehouse> {
    if (this.closed) throw new Error(`warehouse ${this.path} is closed`);
    const conn = await this.instance.connect();
    for (const sql of this.sessionSetup) await conn.run(sql);
    return new Warehouse(this.path, this.instance, conn, this.sessionSetup, false);
  }

  /** Open a warehouse file (created when missing, unless `create: false` or read-only), or `:memory:`. */
  static async open(file: string, opts: OpenOptions = {}): Promise<Warehouse> {
    if (file !== ':memory:') {
      const exists = fs.existsSync(file);
      if (!exists && (opts.readOnly || opts.overlay || opts.create === false)) throw warehouseNotFound(file);
      if (exists && fs.statSync(file).isDirectory())
        throw new DataError(`warehouse ${file} is a folder, not a DuckDB file`, 'pass the path of a .duckdb file');
      if (exists && !isDuckDbFile(file))
        // DuckDB would open a CSV or Parquet file as a read-only database of one table; a warehouse it is not
        throw new DataError(
          `cannot open warehouse ${file}: it is not a DuckDB database file (a CSV, Parquet or other file?)`,
          'pass the warehouse with --db; a flat file goes to `train --data` or `ingest --flat`',
        );
      const dir = path.dirname(path.resolve(file));
      if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
    }
    if (opts.overlay) return Warehouse.openOverlay(file, opts);
    const options: Record<string, string> = {};
    if (opts.readOnly) options.access_mode = 'READ_ONLY';
    if (opts.threads) options.threads = String(opts.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, options);
    } catch (err) {
      const env = environmentError(err, file);
      if (env) throw env;
      throw new DataError(
        `cannot open warehouse ${file}: ${(err as Error).message.split('\n')[0]}`,
        'check that the path is a DuckDB file (not a CSV or another database format) you can read and write',
      );
    }
    const conn = await instance.connect();
    const w = new Warehouse(file, instance, conn);
    if (file !== ':memory:' && !opts.allowTornIngest) await refuseTornIngest(w, !opts.readOnly);
    return w;
  }

  private static async openOverlay(file: string, opts: OpenOptions): Promise<Warehouse> {
    const instance = await DuckDBInstance.create(':memory:', opts.threads ? { threads: String(opts.threads) } : {});
    const conn = await instance.connect();
    const setup = [`SET search_path = 'memory.main,src.main'`];
    try {
      await conn.run(`ATTACH ${quoteLiteral(file)} AS src (READ_ONLY)`);
      for (const sql of setup) await conn.run(sql);
    } catch (err) {
      conn.closeSync();
      instance.closeSync();
      const env = environmentError(err, file);
      if (env) throw env;
      throw new DataError(
        `cannot open warehouse ${file} for reading: ${(err as Error).message}`,
        'another job may be writing it; retry when it has finished',
      );
    }
    return new Warehouse(file, instance, conn, setup);
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`warehouse ${this.path} is closed`));
    // A full disk (or a file we may not write) is the environment's failure, named as such: not a bug.
    const guarded = () =>
      job().catch((err: unknown) => {
        throw environmentError(err, this.path) ?? err;
      });
    const next = this.queue.then(guarded, guarded);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Run a statement (or several separated by `;` when there are no params) and discard the result. */
  async run(sql: string, params?: SqlParams): Promise<void> {
    await this.enqueue(() => this.conn.run(sql, params));
  }

  /** Run a query and return its rows as objects; BIGINT/HUGEINT come back as numbers when safe. */
  async all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.enqueue(() => this.conn.runAndReadAll(sql, params));
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    for (const row of rows) for (const k in row) row[k] = normalize(row[k]);
    return rows as T[];
  }

  /** Run a query and return the first row, or undefined. */
  async one<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  /** Run a query and return its columns as arrays (cheaper than row objects for big results). */
  async columns(sql: string, params?: SqlParams): Promise<Record<string, unknown[]>> {
    const reader = await this.enqueue(() => this.conn.runAndReadAll(sql, params));
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    for (const k in cols) {
      const col = cols[k];
      for (let i = 0; i < col.length; i++) if (typeof col[i] === 'bigint') col[i] = normalize(col[i]);
    }
    return cols;
  }

  /**
   * Run a query whose columns are all numeric and get each as a Float64Array (NULL becomes NaN),
   * copied vector by vector: the fast way to bring millions of numbers into JavaScript.
   */
  async numericColumns(sql: string, params?: SqlParams): Promise<Record<string, Float64Array>> {
    return this.enqueue(async () => readNumericColumns(await this.conn.run(sql, params)));
  }

  /**
   * Stream a query whose columns are all DOUBLE or INTEGER, calling `each` per chunk with its columns as typed arrays
   * (valid only during the call): the result is never held whole, in DuckDB or in JavaScript. The chunks come in no
   * particular order, so a caller places rows by a column of its own, and the query must have no ORDER BY and no
   * ordered window: DuckDB would stream it through the buffer that can hang (below) whatever the session says.
   */
  async eachNumericChunk(
    sql: string,
    each: (columns: Record<string, ChunkColumn>, rows: number) => void,
    params?: SqlParams,
  ): Promise<void> {
    return this.enqueue(async () => {
      // DuckDB collects an order-preserving stream in its batched buffer, whose fetch can spin forever (DuckDB
      // 1.5.5: a fetch looping in BatchedBufferedData::ExecuteTaskInternal at 100% CPU; caught by a backtrace in about
      // one package check in a hundred under frequent garbage collection, and the likely cause of a CI run and an
      // `npm start` that never finished). Without insertion order it streams through its simple buffer instead. Only
      // this connection's session changes, and only for this query: other statements here rely on insertion order
      // (sorted inserts fill row groups).
      await this.conn.run('SET SESSION preserve_insertion_order = false');
      try {
        await forEachNumericChunk(await this.conn.stream(sql, params), each);
      } finally {
        await this.conn.run('RESET SESSION preserve_insertion_order');
      }
    });
  }

  /** Run a query that returns one numeric column as a Float64Array (NULL becomes NaN). */
  async float64(sql: string, params?: SqlParams): Promise<Float64Array> {
    const cols = await this.columns(sql, params);
    const first = Object.values(cols)[0] ?? [];
    const out = new Float64Array(first.length);
    for (let i = 0; i < first.length; i++) out[i] = first[i] == null ? NaN : Number(first[i]);
    return out;
  }

  /**
   * Run `fn` with DuckDB's thread count (a setting of the whole database, every connection) set to `threads`,
   * then put the previous count back. While JavaScript or worker threads keep cores busy, DuckDB's default of
   * one thread per core spends much of its CPU spinning on locks (generate: 64 -> 42 CPU s at 1M leads).
   */
  async withThreads<T>(threads: number, fn: () => Promise<T>): Promise<T> {
    const row = await this.one<{ v: number }>(`SELECT current_setting('threads')::INTEGER AS v`);
    await this.run(`SET threads = ${Math.max(1, Math.trunc(threads))}`);
    try {
      return await fn();
    } finally {
      if (row) await this.run(`SET threads = ${row.v}`);
    }
  }

  /**
   * Run `fn` inside one transaction: everything it writes lands, or (on any error) nothing does.
   * Nested calls join the outer transaction.
   */
  async transaction<T>(fn: (w: Warehouse) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    await this.run('BEGIN TRANSACTION');
    this.inTransaction = true;
    try {
      const result = await fn(this);
      await this.run('COMMIT');
      return result;
    } catch (err) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * True if a table or view with this name exists in the main schema. DuckDB matches names without
   * regard to case (even quoted ones: "LEADS" is leads), so this does too.
   */
  async tableExists(name: string): Promise<boolean> {
    const row = await this.one<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM information_schema.tables
       WHERE table_schema = 'main' AND lower(table_name) = lower($1)`,
      [name],
    );
    return (row?.n ?? 0) > 0;
  }

  /** Column names of a table, in order. */
  async tableColumns(name: string): Promise<string[]> {
    const rows = await this.all<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'main' AND table_name = $1 ORDER BY ordinal_position`,
      [name],
    );
    return rows.map((r) => r.column_name);
  }

  /** Row count of a table. */
  async count(table: string, where = ''): Promise<number> {
    const row = await this.one<{ n: number }>(
      `SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)} ${where ? `WHERE ${where}` : ''}`,
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Check an append's columns: equal lengths, and exactly the table's columns in table order (the appender writes by
   * position). Returns the row count.
   */
  private async checkAppend(table: string, columns: AppendColumn[]): Promise<number> {
    const n = columns[0].values.length;
    for (const c of columns) {
      if (c.values.length !== n)
        throw new Error(`append to ${table}: column ${c.name} has ${c.values.length} values, expected ${n}`);
    }
    const tableCols = await this.tableColumns(table);
    const want = columns.map((c) => c.name);
    if (tableCols.length !== want.length || tableCols.some((c, i) => c !== want[i])) {
      throw new Error(
        `append to ${table}: columns [${want.join(', ')}] do not match the table's [${tableCols.join(', ')}]`,
      );
    }
    return n;
  }

  /** Bulk-append column arrays into an existing table through DuckDB's appender (fast path for big writes). */
  async append(table: string, columns: AppendColumn[]): Promise<number> {
    if (columns.length === 0) return 0;
    const n = await this.checkAppend(table, columns);
    return this.enqueue(async () => {
      const appender = await this.conn.createAppender(table);
      try {
        for (let r = 0; r < n; r++) {
          for (const c of columns) appendValue(appender, c.type, c.values[r]);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      return n;
    });
  }

  /**
   * Bulk-append column arrays like `append`, but a vector at a time: the values are written into
   * DuckDB data chunks (up to the engine's vector size, 2048 rows) and each chunk is appended whole,
   * instead of one appender call per value. Same value conventions as `append` (null, undefined and
   * NaN are NULL; TIMESTAMP takes a Date, epoch milliseconds or a parsable string). The columns must
   * be all of the table's columns, in table order.
   */
  async appendColumns(table: string, columns: AppendColumn[]): Promise<number> {
    if (columns.length === 0) return 0;
    const n = await this.checkAppend(table, columns);
    return this.enqueue(async () => {
      const appender = await this.conn.createAppender(table);
      try {
        // the chunk takes the table's own types (JSON included), so DuckDB never has to cast
        const types = columns.map((_, j) => appender.columnType(j));
        const setters = columns.map((c) => chunkSetter(c.type));
        const copyable = columns.map((c, j) => isBlockCopyable(c, types[j].typeId));
        const block = VECTOR_ROWS;
        for (let from = 0; from < n; from += block) {
          const rows = Math.min(block, n - from);
          const chunk = DuckDBDataChunk.create(types, rows);
          for (let j = 0; j < columns.length; j++) {
            const values = columns[j].values;
            if (copyable[j]) {
              fillVector(chunk, j, values as Float64Array | Int32Array, from, rows);
              continue;
            }
            const vector = chunk.getColumnVector(j);
            const set = setters[j];
            for (let r = 0; r < rows; r++) set(vector, r, values[from + r]);
            vector.flush();
          }
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      return n;
    });
  }

  /** Create a table (replacing any) from a file: CSV, Parquet or JSON lines, types inferred by DuckDB. */
  async importFile(
    table: string,
    file: string,
    format: FileFormat,
    opts: { allVarchar?: boolean } = {},
  ): Promise<void> {
    await this.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT * FROM ${readFileSql(file, format, opts)}`);
  }

  /** Write the result of a query to a file (CSV with header, Parquet with optional key-value metadata, JSON lines). */
  async exportQuery(sql: string, file: string, format: FileFormat, metadata?: Record<string, string>): Promise<void> {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    await this.run(`COPY (${sql}) TO ${quoteLiteral(file)} ${copyOptionsSql(format, metadata)}`);
  }

  /** Close the connection and the database (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => undefined);
    this.closed = true;
    this.conn.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  return v;
}

/** A warehouse whose last ingest was torn while committing is refused (closed), naming the ingest to re-run. */
async function refuseTornIngest(w: Warehouse, settle: boolean): Promise<void> {
  const torn = await checkJournal(w, settle).catch(async (err) => {
    await w.close();
    throw err;
  });
  if (torn.length === 0) return;
  await w.close();
  throw tornError(w.path, torn);
}
