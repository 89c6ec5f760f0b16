import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CANONICAL_DDL } from '../schema/index.ts';
import type { FileFormat, Warehouse } from '../store/index.ts';
import { appendColumnsOf, TRUTH_DDL } from './buffers.ts';
import { Calendar, toMs } from './calendar.ts';
import { ChunkGenerator, latentDrawer, type ChunkData, type RunPlan } from './chunk.ts';
import { calibrateIntercept } from './hazard.ts';
import { cumulativeHazard } from './latent.ts';
import { oracleAuc, oracleAucWindow } from './oracle.ts';
import type { GenerateOptions } from './options.ts';
import { PERSONAS, type Persona } from './personas.ts';
import { ChunkPool } from './pool.ts';
import { STAGING_DDL, unpackChunk } from './staging.ts';

/** Tables `generate` replaces, in write order. */
export const GENERATED_TABLES = ['leads', 'activities', 'outcomes', 'truth', 'truth_snapshots'] as const;

/** How many leads the intercept is calibrated on (a prefix of the run; all of it for small runs). */
export const PILOT_LEADS = 200_000;

/** What a run wrote and how the ground truth looks. */
export interface GenerateReport {
  seed: number;
  leads: number;
  start: string;
  end: string;
  rows: Record<(typeof GENERATED_TABLES)[number], number>;
  conversionRateTarget: number;
  conversionRate: number;
  personas: Record<Persona, number>;
  /** ROC AUC of truth.true_probability (P(converts by end | state at creation)) vs converts, over all leads */
  oracleAuc: number | null;
  /**
   * ROC AUC of truth_snapshots.p_true_90d (P(win in the horizon | state at as_of)) vs winning, over all snapshot pairs
   */
  oracleAuc90d: number | null;
  snapshotDates: string[];
  horizonDays: number;
  /** log-hazard intercept found by calibration */
  intercept: number;
  files: string[];
  seconds: number;
}

/** Optional file export and progress reporting. */
export interface GenerateRunOptions {
  /** also write each table to DIR/<table>.<format> */
  out?: { dir: string; format: Extract<FileFormat, 'csv' | 'parquet'> };
  onProgress?: (message: string) => void;
  /**
   * worker threads generating chunks (0: all in this thread); the output is the same either way (default:
   * defaultWorkers)
   */
  workers?: number;
}

/**
 * Generate a synthetic CRM with known ground truth into `w`: leads, activities and outcomes in the
 * canonical schema, plus truth and truth_snapshots. Existing contents of those tables are replaced
 * in one transaction.
 */
export async function generateCrm(
  w: Warehouse,
  opts: GenerateOptions,
  run: GenerateRunOptions = {},
): Promise<GenerateReport> {
  const t0 = performance.now();
  const say = run.onProgress ?? (() => undefined);
  const workers = run.workers ?? defaultWorkers(opts.leads);
  // started first: their module loading overlaps the pilot calibration
  const pool = workers > 0 ? new ChunkPool(workers, opts.chunkSize) : null;
  try {
    const cal = new Calendar(opts.start, opts.end);
    const latentAt = latentDrawer(opts, cal);
    const pilot = new Float64Array(Math.min(opts.leads, PILOT_LEADS));
    for (let i = 0; i < pilot.length; i++) pilot[i] = cumulativeHazard(latentAt(i), cal.end);
    const b0 = calibrateIntercept(pilot, opts.conversionRate);
    say(`calibrated intercept ${b0.toFixed(3)} on ${pilot.length} leads${pool ? `; ${pool.size} worker threads` : ''}`);
    const plan: RunPlan = { opts, b0, snapshotDates: opts.snapshots ? cal.snapshotDates(opts.horizonDays) : [] };
    pool?.setPlan(plan);

    // DuckDB's buffer pool defaults to most of RAM and keeps every block it wrote cached; the
    // generated tables are written to the file as they go, so cap the pool for the run (restored after)
    // (file-backed warehouses only: an in-memory one has to hold the tables)
    const limitRow = await w.one<{ v: string; file: string | null }>(
      `SELECT current_setting('memory_limit') AS v, (SELECT path FROM duckdb_databases() WHERE database_name = ` +
        `current_database()) AS file`,
    );
    const previousLimit = limitRow?.file ? limitRow.v : null;
    if (previousLimit !== null) await w.run(`SET memory_limit = '${GENERATE_MEMORY_LIMIT}'`);
    try {
      return await generateInto(w, plan, pool, run, t0, say);
    } finally {
      if (previousLimit !== null && /^[0-9.]+ ?[A-Za-z]*$/.test(previousLimit))
        await w.run(`SET memory_limit = '${previousLimit}'`);
    }
  } finally {
    await pool?.close();
  }
}

/** DuckDB memory limit while generating (keeps the whole run under ~2 GiB of RSS at 1M leads). */
export const GENERATE_MEMORY_LIMIT = '1GB';

async function generateInto(
  w: Warehouse,
  plan: RunPlan,
  pool: ChunkPool | null,
  run: GenerateRunOptions,
  t0: number,
  say: (m: string) => void,
): Promise<GenerateReport> {
  const { opts, snapshotDates } = plan;
  await w.withThreads(GENERATE_DUCKDB_THREADS, () => w.transaction((tx) => writeTables(tx, plan, pool, say)));

  say('committed; summarizing');
  const report = await summarize(w, opts, plan.b0, snapshotDates);
  if (run.out) report.files = await exportTables(w, run.out.dir, run.out.format);
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

// Replace the generated tables with the run's rows, chunk by chunk (inside the caller's transaction).
async function writeTables(
  w: Warehouse,
  plan: RunPlan,
  pool: ChunkPool | null,
  say: (m: string) => void,
): Promise<void> {
  const { opts, snapshotDates } = plan;
  // chunks come from the workers (several in flight, so none idles while this thread writes) or
  // from this thread, one at a time; either way they are written strictly in chunk order
  const here = pool ? null : new ChunkGenerator(plan);
  const source = (from: number, to: number) => (pool ? pool.chunk(from, to) : generateHere(here!, from, to));
  const ahead = pool ? CHUNKS_AHEAD_PER_WORKER * pool.size : 1;

  for (const t of GENERATED_TABLES) await w.run(`DROP TABLE IF EXISTS ${t}`);
  await w.run(CANONICAL_DDL);
  await w.run(TRUTH_DDL);
  await w.run(STAGING_DDL);
  await w.append('synth_snapshot_dates', [
    { name: 'id', type: 'INTEGER', values: snapshotDates.map((_, j) => j) },
    { name: 'as_of', type: 'TIMESTAMP', values: snapshotDates.map(toMs) },
  ]);
  const queue: Array<Promise<ChunkData>> = [];
  let next = 0;
  const fill = () => {
    while (queue.length < ahead && next < opts.leads) {
      const to = Math.min(opts.leads, next + opts.chunkSize);
      const chunk = source(next, to);
      chunk.catch(() => undefined); // awaited in order below; this only keeps it from counting as unhandled meanwhile
      queue.push(chunk);
      next = to;
    }
  };
  fill();
  // DuckDB appends and unpacks chunk N while chunk N+1 (and more, with workers) is generated
  let pending: Promise<void> = Promise.resolve();
  while (queue.length) {
    const data = await queue.shift()!;
    await pending;
    const write = writeChunk(w, data).then(() => say(`${data.to} / ${opts.leads} leads`));
    write.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
    pending = write;
    fill();
  }
  await pending;
}

/**
 * DuckDB threads while the chunks are written. The chunk workers already keep the cores busy; with more threads,
 * DuckDB's scheduler and the node API's task loop spend much of the writes' CPU spinning on locks.
 */
export const GENERATE_DUCKDB_THREADS = 1;

/** Chunks each worker has queued or in progress (keeps workers busy while bounding memory). */
const CHUNKS_AHEAD_PER_WORKER = 2;

/** Runs smaller than this generate in this thread: starting workers costs more than they save. */
export const WORKER_MIN_LEADS = 50_000;

/**
 * Worker threads for a run of `leads` leads when the caller does not say: one per core, up to 4, none for small runs or
 * one core.
 */
export function defaultWorkers(leads: number): number {
  const cores = os.availableParallelism();
  return leads < WORKER_MIN_LEADS || cores < 2 ? 0 : Math.min(4, cores);
}

const YIELD_EVERY = 2000;

// Generate a chunk in this thread, yielding every few thousand leads so the write's promise chain
// can issue its next statement meanwhile.
async function generateHere(gen: ChunkGenerator, from: number, to: number): Promise<ChunkData> {
  for (let i = from; i < to; i++) {
    gen.emit(i);
    if ((i - from) % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
  }
  return gen.take(from, to);
}

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Append one chunk's columns, then turn its staged activities and snapshots into rows (in that order).
async function writeChunk(w: Warehouse, data: ChunkData): Promise<void> {
  for (const t of data.tables) await w.appendColumns(t.table, appendColumnsOf(t));
  await unpackChunk(w, data);
}

async function summarize(
  w: Warehouse,
  opts: GenerateOptions,
  b0: number,
  snapshotDates: number[],
): Promise<GenerateReport> {
  const rows = {} as GenerateReport['rows'];
  for (const t of GENERATED_TABLES) rows[t] = await w.count(t);
  const personaRows = await w.all<{ persona: Persona; n: number }>(
    `SELECT persona, count(*)::BIGINT AS n FROM truth GROUP BY persona`,
  );
  const personas = Object.fromEntries(PERSONAS.map((p) => [p, 0])) as Record<Persona, number>;
  for (const r of personaRows) personas[r.persona] = r.n;
  const won = await w.one<{ n: number }>(
    `SELECT count(DISTINCT lead_id)::BIGINT AS n FROM outcomes WHERE status = 'won'`,
  );
  return {
    seed: opts.seed,
    leads: opts.leads,
    start: opts.start.toISOString(),
    end: opts.end.toISOString(),
    rows,
    conversionRateTarget: opts.conversionRate,
    conversionRate: (won?.n ?? 0) / opts.leads,
    personas,
    oracleAuc: await oracleAuc(w),
    oracleAuc90d: snapshotDates.length ? await oracleAucWindow(w, opts.horizonDays) : null,
    snapshotDates: snapshotDates.map((d) => new Date(toMs(d)).toISOString().slice(0, 10)),
    horizonDays: opts.horizonDays,
    intercept: b0,
    files: [],
    seconds: 0,
  };
}

// Files mirror the tables, sorted on every column so the same seed gives the same bytes.
async function exportTables(w: Warehouse, dir: string, format: 'csv' | 'parquet'): Promise<string[]> {
  const files: string[] = [];
  for (const t of GENERATED_TABLES) {
    const file = path.join(dir, `${t}.${format}`);
    await w.exportQuery(`SELECT * FROM ${t} ORDER BY ALL`, file, format);
    files.push(file);
  }
  return files;
}

/** A scratch warehouse path for runs that only write files (`--out` without `--db`). */
export function scratchWarehousePath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-generate-')), 'scratch.duckdb');
}
