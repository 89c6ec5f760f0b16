import { DataError } from '../errors.ts';
import { quoteIdent, quoteLiteral } from './quote.ts';
import type { Warehouse } from './warehouse.ts';

/**
 * The ingest journal: how a torn commit is detected. DuckDB 1.5.5 can, when killed while committing
 * a large transaction, replay part of it from its write-ahead log on the next open (an upstream bug):
 * the tables are then neither as before nor as after. So an ingest
 *   1. records `begin` with a fingerprint of the tables it will write (row counts; contents hashed for
 *      tables whose rows it replaces), committed on its own before the ingest's transaction starts;
 *   2. records `done` with the fingerprint the tables will have, inside its transaction;
 *   3. records `settled` once the commit has returned.
 * Opening the warehouse checks any run that began and never settled: tables matching `done` settle it,
 * tables matching `begin` with no `done` mean it died before committing (nothing was written), anything
 * else is a torn ingest. That is reported (every command but ingest refuses to run on it) until an
 * ingest of the same files completes, which converges the tables to what the torn one was writing.
 */

export const JOURNAL = 'ingest_journal';

const DDL = `CREATE TABLE IF NOT EXISTS ${JOURNAL} (
  run_id VARCHAR NOT NULL, entry VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL,
  tables VARCHAR[] NOT NULL, fingerprint JSON, files VARCHAR[], note VARCHAR)`;

/** Tables whose rows are replaced in place (same count, new contents): their contents are hashed too. */
const HASHED = new Set(['leads', 'outcomes']);

/** A table's row count (and contents hash, for tables whose rows are replaced). */
export type Fingerprint = Record<string, { rows: number; hash?: string }>;

/** The fingerprint of tables as they are now (a missing table has 0 rows). */
export async function fingerprint(w: Warehouse, tables: string[]): Promise<Fingerprint> {
  const out: Fingerprint = {};
  for (const t of tables) {
    if (!(await w.tableExists(t))) {
      out[t] = { rows: 0 };
      continue;
    }
    const hash = HASHED.has(t) ? `, CAST(bit_xor(hash(x)) AS VARCHAR) AS h` : '';
    const r = await w.one<{ n: number; h?: string }>(`SELECT count(*)::BIGINT AS n${hash} FROM ${quoteIdent(t)} x`);
    out[t] = HASHED.has(t) ? { rows: Number(r?.n ?? 0), hash: r?.h ?? '0' } : { rows: Number(r?.n ?? 0) };
  }
  return out;
}

const same = (a: Fingerprint, b: Fingerprint) =>
  Object.keys(a).every((t) => a[t].rows === b[t]?.rows && (a[t].hash ?? '') === (b[t]?.hash ?? ''));

const list = (xs: string[]) => `[${xs.map(quoteLiteral).join(', ')}]::VARCHAR[]`;

async function record(
  w: Warehouse,
  runId: string,
  entry: string,
  tables: string[],
  fp?: Fingerprint,
  files?: string[],
  note?: string,
): Promise<void> {
  await w.run(
    `INSERT INTO ${JOURNAL}
     VALUES ($1, $2, now()::TIMESTAMP, ${list(tables)}, $3::JSON, ${files ? list(files) : 'NULL'}, $4)`,
    [runId, entry, fp ? JSON.stringify(fp) : null, note ?? null],
  );
}

/** Step 1: record (committed) that an ingest of these tables and files begins. */
export async function journalBegin(w: Warehouse, runId: string, tables: string[], files: string[]): Promise<void> {
  await w.run(DDL);
  const fp = await fingerprint(w, tables);
  await w.transaction((tx) => record(tx, runId, 'begin', tables, fp, files));
}

/** Step 2, inside the ingest's transaction, last: the tables as they will be once it commits. */
export async function journalDone(tx: Warehouse, runId: string, tables: string[]): Promise<void> {
  await record(tx, runId, 'done', tables, await fingerprint(tx, tables));
}

/** Step 3, after the commit returned: the run is settled. */
export async function journalSettle(w: Warehouse, runId: string, note?: string): Promise<void> {
  await w.transaction((tx) => record(tx, runId, 'settled', [], undefined, undefined, note));
}

/** An ingest that died while committing, leaving its tables neither as before nor as after it. */
export interface TornIngest {
  run_id: string;
  began: string;
  tables: string[];
  files: string[];
  /** what differs: table rows now vs before and after */
  detail: string;
}

interface Row {
  run_id: string;
  entry: string;
  at: Date;
  tables: string[];
  fingerprint: string | null;
  files: string[] | null;
}

/**
 * Check every ingest that began and never settled (see the top of this file). Settles those that
 * completed or wrote nothing (when `settle`), and returns the torn ones.
 */
export async function checkJournal(w: Warehouse, settle: boolean): Promise<TornIngest[]> {
  if (!(await w.tableExists(JOURNAL))) return [];
  const rows = await w.all<Row>(`SELECT run_id, entry, recorded_at AS at, tables,
      CAST(fingerprint AS VARCHAR) AS fingerprint, files
    FROM ${JOURNAL} WHERE run_id IN (SELECT run_id FROM ${JOURNAL} GROUP BY run_id
      HAVING bool_or(entry = 'begin') AND NOT bool_or(entry IN ('settled', 'interrupted', 'repaired')))
    ORDER BY recorded_at`);
  const torn: TornIngest[] = [];
  for (const begin of rows.filter((r) => r.entry === 'begin')) {
    const done = rows.find((r) => r.run_id === begin.run_id && r.entry === 'done');
    const before = JSON.parse(begin.fingerprint ?? '{}') as Fingerprint;
    const now = await fingerprint(w, begin.tables);
    if (done && same(JSON.parse(done.fingerprint ?? '{}'), now)) {
      if (settle) await journalSettle(w, begin.run_id, 'settled when the warehouse was next opened');
      continue;
    }
    if (!done && same(before, now)) {
      if (settle)
        await w.transaction((tx) =>
          record(tx, begin.run_id, 'interrupted', [], undefined, undefined, 'nothing was written'),
        );
      continue;
    }
    const after = done ? (JSON.parse(done.fingerprint ?? '{}') as Fingerprint) : undefined;
    const detail = begin.tables
      .map((t) => `${t} ${now[t]?.rows} rows (before ${before[t]?.rows}${after ? `, after ${after[t]?.rows}` : ''})`)
      .join(', ');
    torn.push({
      run_id: begin.run_id,
      began: new Date(begin.at).toISOString(),
      tables: begin.tables,
      files: begin.files ?? [],
      detail,
    });
  }
  return torn;
}

/** Step 4, after a later ingest of the same files committed: the torn run is repaired. */
export async function journalRepaired(w: Warehouse, runId: string, by: string): Promise<void> {
  await w.transaction((tx) => record(tx, runId, 'repaired', [], undefined, undefined, `completed by ingest ${by}`));
}

/** The error every command but ingest gives on a warehouse with a torn ingest. */
export function tornError(file: string, torn: TornIngest[]): DataError {
  const t = torn[0];
  return new DataError(
    `warehouse ${file} holds an incomplete ingest: run ${t.run_id} (began ${t.began}) was interrupted while ` +
      `committing and only part of it was kept: ${t.detail}`,
    `run the same ingest again (${t.files.join(', ')}): ` +
      're-running converges to its complete result, and marks it repaired',
  );
}
