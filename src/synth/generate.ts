import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CANONICAL_DDL } from '../schema/index.ts';
import type { AppendColumn, FileFormat, Warehouse } from '../store/index.ts';
import { drawActivities } from './activities.ts';
import { ColumnBuffer, LEADS_SPEC, OUTCOMES_SPEC, PACKED_SPEC, TRUTH_DDL, TRUTH_SPEC } from './buffers.ts';
import { Calendar, toMs } from './calendar.ts';
import { calibrateIntercept, winTime } from './hazard.ts';
import { forecastWin } from './forecast.ts';
import { cumulativeHazard, drawLatent, type LeadLatent } from './latent.ts';
import { oracleAuc, oracleAucWindow } from './oracle.ts';
import type { GenerateOptions } from './options.ts';
import { drawOutcomes } from './outcomes.ts';
import { ActivityPacker, STAGING_DDL, unpackChunk } from './packing.ts';
import { PERSONAS, type Persona } from './personas.ts';
import { drawCreatedAt, PersonaSequence } from './population.ts';
import { exponential, leadRng, STREAM } from './random.ts';

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
  /** ROC AUC of truth_snapshots.p_true_90d (P(win in the horizon | state at as_of)) vs winning, over all snapshot pairs */
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
}

/**
 * Generate a synthetic CRM with known ground truth into `w`: leads, activities and outcomes in the
 * canonical schema, plus truth and truth_snapshots. Existing contents of those tables are replaced
 * in one transaction.
 */
export async function generateCrm(w: Warehouse, opts: GenerateOptions, run: GenerateRunOptions = {}): Promise<GenerateReport> {
  const t0 = performance.now();
  const say = run.onProgress ?? (() => undefined);
  const cal = new Calendar(opts.start, opts.end);
  const personas = new PersonaSequence(opts.seed, opts.personaMix);
  const latentAt = (i: number): LeadLatent => {
    const rng = leadRng(opts.seed, i, STREAM.latent);
    const createdAt = drawCreatedAt(rng, cal);
    return drawLatent(rng, i, personas.at(i), createdAt, cal);
  };

  const pilot = new Float64Array(Math.min(opts.leads, PILOT_LEADS));
  for (let i = 0; i < pilot.length; i++) pilot[i] = cumulativeHazard(latentAt(i), cal.end);
  const b0 = calibrateIntercept(pilot, opts.conversionRate);
  say(`calibrated intercept ${b0.toFixed(3)} on ${pilot.length} leads`);

  // DuckDB's buffer pool defaults to most of RAM and keeps every block it wrote cached; the
  // generated tables are written to the file as they go, so cap the pool for the run (restored after)
  // (file-backed warehouses only: an in-memory one has to hold the tables)
  const limitRow = await w.one<{ v: string; file: string | null }>(
    `SELECT current_setting('memory_limit') AS v, (SELECT path FROM duckdb_databases() WHERE database_name = current_database()) AS file`,
  );
  const previousLimit = limitRow?.file ? limitRow.v : null;
  if (previousLimit !== null) await w.run(`SET memory_limit = '${GENERATE_MEMORY_LIMIT}'`);
  try {
    return await generateInto(w, opts, run, t0, say, cal, latentAt, b0);
  } finally {
    if (previousLimit !== null && /^[0-9.]+ ?[A-Za-z]*$/.test(previousLimit)) await w.run(`SET memory_limit = '${previousLimit}'`);
  }
}

/** DuckDB memory limit while generating (keeps the whole run under ~2 GiB of RSS at 1M leads). */
export const GENERATE_MEMORY_LIMIT = '1GB';

async function generateInto(
  w: Warehouse, opts: GenerateOptions, run: GenerateRunOptions, t0: number, say: (m: string) => void, cal: Calendar,
  latentAt: (i: number) => LeadLatent, b0: number,
): Promise<GenerateReport> {
  const snapshotDates = opts.snapshots ? cal.snapshotDates(opts.horizonDays) : [];
  const buffers: Buffers = {
    leads: new ColumnBuffer('leads', LEADS_SPEC),
    outcomes: new ColumnBuffer('outcomes', OUTCOMES_SPEC),
    truth: new ColumnBuffer('truth', TRUTH_SPEC),
    packed: new ColumnBuffer('synth_packed', PACKED_SPEC),
    packer: new ActivityPacker(),
  };

  await w.transaction(async (tx) => {
    for (const t of GENERATED_TABLES) await tx.run(`DROP TABLE IF EXISTS ${t}`);
    await tx.run(CANONICAL_DDL);
    await tx.run(TRUTH_DDL);
    await tx.run(STAGING_DDL);
    await tx.append('synth_snapshot_dates', [
      { name: 'id', type: 'INTEGER', values: snapshotDates.map((_, j) => j) },
      { name: 'as_of', type: 'TIMESTAMP', values: snapshotDates.map(toMs) },
    ]);
    // JS generates chunk N+1 while DuckDB appends and unpacks chunk N (it yields every few
    // thousand leads so the write's promise chain can issue its next statement meanwhile)
    let pending: Promise<void> = Promise.resolve();
    for (let from = 0; from < opts.leads; from += opts.chunkSize) {
      const to = Math.min(opts.leads, from + opts.chunkSize);
      for (let i = from; i < to; i++) {
        emitLead(latentAt(i), opts, cal, b0, snapshotDates, buffers);
        if ((i - from) % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
      }
      await pending;
      const batches: Array<{ table: string; columns: AppendColumn[] }> = [];
      for (const b of [buffers.leads, buffers.outcomes, buffers.truth, buffers.packed]) {
        if (b.length > 0) batches.push({ table: b.table, columns: b.columns() });
        b.clear();
      }
      const write = writeChunk(tx, batches, buffers.packer).then(() => say(`${to} / ${opts.leads} leads`));
      write.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
      pending = write;
    }
    await pending;
  });

  say('committed; summarizing');
  const report = await summarize(w, opts, b0, snapshotDates);
  if (run.out) report.files = await exportTables(w, run.out.dir, run.out.format);
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

const YIELD_EVERY = 2000;

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Append one chunk's column buffers, then unpack its activities and snapshots (in that order).
async function writeChunk(w: Warehouse, batches: Array<{ table: string; columns: AppendColumn[] }>, packer: ActivityPacker): Promise<void> {
  for (const b of batches) await w.appendColumns(b.table, b.columns);
  await unpackChunk(w, packer);
}

interface Buffers {
  leads: ColumnBuffer;
  outcomes: ColumnBuffer;
  truth: ColumnBuffer;
  /** activities and snapshots, one packed row per lead (see packing.ts) */
  packed: ColumnBuffer;
  packer: ActivityPacker;
}

// One lead, end to end: outcome draw, activities up to the win, opportunities, truth, snapshots.
function emitLead(l: LeadLatent, opts: GenerateOptions, cal: Calendar, b0: number, snapshotDates: number[], out: Buffers): void {
  const outcomeRng = leadRng(opts.seed, l.index, STREAM.outcome);
  const wonAt = winTime(l, b0, cal.end, exponential(outcomeRng, 1));
  const acts = drawActivities(leadRng(opts.seed, l.index, STREAM.activities), l, cal, wonAt ?? cal.end, out.packer);
  drawOutcomes(outcomeRng, l, wonAt, acts, cal.end, out.outcomes);

  const a = l.attrs;
  out.leads.push(l.leadId, toMs(l.createdAt), a.email, a.company, a.jobTitle, a.industry, a.companySize, a.annualRevenue, a.country, a.leadSource, null);
  // P(converts by the end | state at creation): future episodes, negatives and the win draw unknown
  const p = forecastWin(l, b0, cal, l.createdAt, cal.end);
  out.truth.push(
    l.leadId, l.persona, p, wonAt === null ? 0 : 1, wonAt === null ? null : toMs(wonAt), a.fit, l.episodes.length,
    Number.isFinite(l.negativeAt) ? toMs(l.negativeAt) : null,
  );
  let snaps = '';
  for (let j = 0; j < snapshotDates.length; j++) {
    const asOf = snapshotDates[j];
    if (asOf <= l.createdAt) continue;
    if (wonAt !== null && toMs(wonAt) < toMs(asOf)) break;
    // P(win in [as_of, as_of + horizon) | state at as_of): the honest point-in-time ceiling
    const p90 = forecastWin(l, b0, cal, asOf, asOf + opts.horizonDays);
    snaps = snaps === '' ? `${j}:${p90}` : `${snaps},${j}:${p90}`;
  }
  out.packed.push(l.leadId, out.packer.take(), snaps);
}

async function summarize(w: Warehouse, opts: GenerateOptions, b0: number, snapshotDates: number[]): Promise<GenerateReport> {
  const rows = {} as GenerateReport['rows'];
  for (const t of GENERATED_TABLES) rows[t] = await w.count(t);
  const personaRows = await w.all<{ persona: Persona; n: number }>(`SELECT persona, count(*)::BIGINT AS n FROM truth GROUP BY persona`);
  const personas = Object.fromEntries(PERSONAS.map((p) => [p, 0])) as Record<Persona, number>;
  for (const r of personaRows) personas[r.persona] = r.n;
  const won = await w.one<{ n: number }>(`SELECT count(DISTINCT lead_id)::BIGINT AS n FROM outcomes WHERE status = 'won'`);
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
