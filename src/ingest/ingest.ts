import { randomUUID } from 'node:crypto';
import { DataError } from '../errors.ts';
import {
  checkJournal,
  journalBegin,
  journalDone,
  journalRepaired,
  journalSettle,
  quoteIdent,
  withSettings,
  type Warehouse,
} from '../store/index.ts';
import { ensureCanonicalTables } from './canonical.ts';
import type { TablePlan } from './checks.ts';
import { findColumn } from './columns.ts';
import { dropStructure } from './csv-structure.ts';
import { extrasJsonSql, inferExtraKinds } from './extras.ts';
import { checkRejectRate, checkRejects } from './limits.ts';
import { openLoads, type Load } from './loads.ts';
import {
  addNewLeads,
  buildPlan,
  createNewLeads,
  KNOWN_LEADS,
  NEW_LEADS,
  settleKnownLeads,
  writeActivities,
  writeLeads,
  writeOutcomes,
  type PlanContext,
} from './plans.ts';
import {
  collectRejects,
  endQuarantine,
  reasonKinds,
  reasonsFor,
  rejectSamples,
  startQuarantine,
  writeRejects,
} from './quarantine.ts';
import { perTable, tableReport } from './report.ts';
import { cleanTextSql, sourceAlias, unnumberedSourceSql } from './source.ts';
import type { IngestOptions, IngestReport, TableReport } from './types.ts';

export { checkDateFormat } from './dates.ts';

const ORDER = ['leads', 'activities', 'outcomes'];
const WRITTEN = ['leads', 'activities', 'outcomes', 'rejected_rows'];
const DAY_MS = 86_400_000;

interface Planned {
  load: Load;
  plan: TablePlan;
  extras?: string;
  report?: TableReport;
}

/** Source columns other loads read from a leads file as outcomes or activities: never lead extras. */
function excludedFrom(loads: Load[], lead: Load): Set<string> {
  const out = new Set<string>();
  for (const l of loads) {
    if (l === lead || l.src.file !== lead.src.file) continue;
    for (const names of Object.values(l.map.columns)) for (const n of names) out.add(n);
    for (const rules of Object.values(l.map.rules))
      for (const r of rules) for (const n of Object.keys(r.when)) out.add(n);
  }
  for (const name of [...out]) {
    const i = findColumn(lead.src, name);
    if (i >= 0) out.add(lead.src.columns[i].name);
  }
  return out;
}

/** The (key, lead) relation of a lookup through this ingest's leads file, as a temp table. */
async function lookupRelation(w: Warehouse, planned: Planned[], load: Load): Promise<string | undefined> {
  const lk = load.map.lookup;
  if (!lk || load.map.columns.lead_id?.some((n) => findColumn(load.src, n) >= 0)) return undefined;
  const leads = planned.find((p) => p.load.table === 'leads' && findColumn(p.load.src, lk.leadsColumn) >= 0);
  if (!leads)
    throw new DataError(
      `${load.table} file ${load.src.shown} links to leads through the leads file's ${lk.leadsColumn} column, ` +
        'but no leads file with that column is in this ingest',
      `ingest the leads export in the same call (--leads), or add a lead id column to the ${load.table} export`,
    );
  const table = `__ls_lookup_${load.src.tag}`;
  const key = cleanTextSql(sourceAlias(findColumn(leads.load.src, lk.leadsColumn)));
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS
    SELECT key, any_value(lead ORDER BY lead) AS lead FROM (
      SELECT ${key} AS key, ${leads.plan.raw.lead_id} AS lead FROM ${unnumberedSourceSql(leads.load.src)})
    WHERE key IS NOT NULL AND lead IS NOT NULL GROUP BY key`);
  const i = findColumn(load.src, lk.column);
  if (i < 0)
    throw new DataError(`${load.table} file ${load.src.shown} has no column "${lk.column}" to link it to leads`);
  return quoteIdent(table);
}

/**
 * Load leads, activities and outcomes files into the canonical tables, validating every row in DuckDB
 * SQL. Bad rows go to rejected_rows with their reasons; valid rows are upserted by key. Everything is
 * read and checked before anything is written: a fatal problem (missing file or column, an ambiguous
 * date format, a file whose rows are all or mostly rejected, any reject with `strict`) throws and leaves
 * the warehouse file untouched. The write is one transaction, recorded in the ingest journal.
 */
export async function ingest(w: Warehouse, opts: IngestOptions): Promise<IngestReport> {
  // DuckDB's buffer pool defaults to most of RAM: capped, the activities' dedupe spills to disk
  // instead of holding a big file's rows (file-backed warehouses only: an in-memory one holds its tables).
  // Insertion order stays on (row numbers follow file order); only the activities write turns it off.
  const settings: Record<string, string> = { preserve_insertion_order: 'true' };
  if (w.path !== ':memory:') settings.memory_limit = INGEST_MEMORY_LIMIT;
  return withSettings(w, settings, () => ingestWith(w, opts));
}

/** DuckDB memory limit while ingesting: keeps a 1M-lead, 16M-activity ingest under 3 GiB of RSS. */
export const INGEST_MEMORY_LIMIT = '1536MB';

async function ingestWith(w: Warehouse, opts: IngestOptions): Promise<IngestReport> {
  const say = opts.onProgress ?? (() => undefined);
  const fault = opts.atFaultPoint ?? (() => undefined);
  const runId = opts.runId ?? randomUUID();
  const now = opts.now ?? new Date();
  const rate = checkRejectRate(opts.maxRejectRate);
  const bounds = {
    min: opts.minDate ?? new Date('1970-01-01T00:00:00Z'),
    max: opts.maxDate ?? new Date(now.getTime() + DAY_MS),
  };
  const torn = await checkJournal(w, true);

  // 1. every source opened first, so a bad path in the last file costs nothing
  const { loads, activityTypes } = await openLoads(w, opts);
  if (loads.length === 0)
    throw new DataError(
      'nothing to ingest: give at least one of leads, activities, outcomes (or name the files in the mapping)',
      'e.g. leadscore ingest --leads leads.csv --activities activities.csv',
    );
  for (const l of loads)
    say(`${l.table}: reading ${l.src.shown} (${l.src.format}, ${l.src.columns.length} columns, ${l.readAs})`);

  const warehouseLeads = await w.tableExists('leads');
  await startQuarantine(w);
  await createNewLeads(w);
  const planned: Planned[] = [];
  try {
    // 2. plans: columns, date formats (detected per column when not stated), checks
    for (const load of [...loads].sort((a, b) => ORDER.indexOf(a.table) - ORDER.indexOf(b.table))) {
      const ctx: PlanContext = {
        origin: load.origin,
        dateFormat: opts.dateFormat,
        bounds,
        activityTypes,
        excluded: load.table === 'leads' ? excludedFrom(loads, load) : undefined,
        lookupRelation: load.table === 'leads' ? undefined : await lookupRelation(w, planned, load),
      };
      const plan = await buildPlan(w, load.table, load.src, load.map, ctx);
      const p: Planned = { load, plan };
      if (load.table === 'leads') p.extras = extrasJsonSql(plan, await inferExtraKinds(w, load.src, plan.extras));
      planned.push(p);
    }

    // 3. validate everything before writing anything
    const leadPlans = planned.filter((p) => p.load.table === 'leads');
    for (const p of planned) {
      if (p.load.table !== 'leads' && p === planned.find((q) => q.load.table !== 'leads')) {
        for (const lp of leadPlans) {
          const r = lp.report!;
          await addNewLeads(w, lp.plan, r.rejected === 0 && Object.keys(r.skipped).length === 0);
        }
        await settleKnownLeads(w, warehouseLeads);
      }
      const started = performance.now();
      const counts = await collectRejects(w, p.plan, p.load.table);
      if (counts.read === 0)
        throw new DataError(
          `${p.load.table} file has a header but no data rows: ${p.load.src.shown}`,
          'export the data again, or leave this file out',
        );
      p.report = tableReport(p.load, p.plan, counts);
      p.report.reasons = await reasonsFor(w, p.load.table, p.load.src.file);
      p.report.seconds = (performance.now() - started) / 1000;
      say(`${p.load.table}: validated ${counts.read} rows, ${counts.rejected} rejected`);
      checkRejects(p.report, rate, await rejectSamples(w, 3, ORDER, p.load.src.file));
    }
    const files = planned.map((p) => p.report!);
    const samples = await rejectSamples(w, 10, ORDER);
    const totalRejected = files.reduce((s, t) => s + t.rejected, 0);
    if (opts.strict && totalRejected > 0) {
      const lines = samples.map((s) => `  ${s.table} row ${s.row_number}: ${s.reason}`);
      throw new DataError(
        `--strict: ${totalRejected} row(s) rejected, so nothing was written:\n${lines.join('\n')}` +
          (totalRejected > lines.length ? `\n  ... and ${totalRejected - lines.length} more` : ''),
        'fix these rows in the source files, or run without --strict to load the valid rows ' +
          'and keep the rest in rejected_rows',
      );
    }
    fault('validated');

    // 4. write, all or nothing, journaled
    const report: IngestReport = {
      run_id: runId,
      tables: {},
      files,
      rejected_by_reason: await reasonKinds(w),
      samples,
    };
    const sourceFiles = [...new Set(planned.map((p) => p.load.src.file))];
    await journalBegin(w, runId, WRITTEN, sourceFiles);
    await w.transaction(async (tx) => {
      await ensureCanonicalTables(tx);
      for (const p of planned) {
        const started = performance.now();
        const before = await tx.count(p.load.table);
        const t = p.report!;
        // a file with no rejected, skipped or merged row has no repeated key: written without row numbers
        const clean = t.rejected === 0 && t.merged === 0 && Object.keys(t.skipped).length === 0;
        if (p.load.table === 'leads') await writeLeads(tx, p.plan, p.extras!, clean);
        else if (p.load.table === 'activities') {
          // the dedupe's output has no order worth keeping; without it DuckDB need not buffer row groups to keep one
          await tx.run(`SET preserve_insertion_order = false`);
          await writeActivities(tx, p.plan, clean);
          await tx.run(`SET preserve_insertion_order = true`);
        } else await writeOutcomes(tx, p.plan, clean);
        t.added = (await tx.count(p.load.table)) - before;
        if (p.load.table === 'activities') t.merged = t.loaded - t.added;
        t.seconds += (performance.now() - started) / 1000;
        say(
          `${p.load.table}: ${t.loaded} loaded (${t.added} new), ${t.rejected} rejected` +
            (t.merged ? `, ${t.merged} merged` : ''),
        );
      }
      await writeRejects(
        tx,
        runId,
        now,
        planned.map((p) => ({ file: p.load.src.file, table: p.load.table })),
      );
      await journalDone(tx, runId, WRITTEN);
      fault('before-commit');
    });
    fault('after-commit');
    await journalSettle(w, runId);
    report.repaired = [];
    for (const t of torn) {
      if (t.files.every((f) => sourceFiles.includes(f))) {
        await journalRepaired(w, t.run_id, runId);
        report.repaired.push(t.run_id);
      }
    }
    report.tables = perTable(files);
    return report;
  } finally {
    await endQuarantine(w);
    await w.run(`DROP TABLE IF EXISTS ${NEW_LEADS}; DROP TABLE IF EXISTS ${KNOWN_LEADS}`).catch(() => undefined);
    for (const l of loads) {
      await dropStructure(w, l.src).catch(() => undefined);
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(`__ls_lookup_${l.src.tag}`)}`).catch(() => undefined);
    }
  }
}
