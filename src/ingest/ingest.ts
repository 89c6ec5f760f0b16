import { randomUUID } from 'node:crypto';
import { ACTIVITY_COLUMNS, LEAD_COLUMNS, OUTCOME_COLUMNS, type ColumnSpec } from '../schema/index.ts';
import { quoteLiteral, type Warehouse } from '../store/index.ts';
import { DataError, UsageError } from '../errors.ts';
import { ensureCanonicalTables } from './canonical.ts';
import type { TablePlan } from './checks.ts';
import { resolveColumns } from './columns.ts';
import { extrasJsonSql, inferExtraKinds } from './extras.ts';
import { loadMapping, type Mapping } from './mapping.ts';
import { activitiesPlan, leadsPlan, outcomesPlan, writeActivities, writeLeads, writeOutcomes } from './plans.ts';
import {
  collectRejects,
  endQuarantine,
  reasonKinds,
  reasonsFor,
  rejectSamples,
  startQuarantine,
  writeRejects,
} from './quarantine.ts';
import { checkHasRows, numberedSourceSql, openSource, unnumberedSourceSql, type Source } from './source.ts';
import type { CanonicalTable, IngestOptions, IngestReport, TableReport } from './types.ts';

const SPECS: Record<CanonicalTable, ColumnSpec[]> = {
  leads: LEAD_COLUMNS,
  activities: ACTIVITY_COLUMNS,
  outcomes: OUTCOME_COLUMNS,
};
const ORDER: CanonicalTable[] = ['leads', 'activities', 'outcomes'];

/** Fail early with a usage error if a strftime format is not one DuckDB understands. */
export async function checkDateFormat(w: Warehouse, format: string): Promise<void> {
  try {
    await w.run(`SELECT try_strptime('2024-01-01', ${quoteLiteral(format)})`);
  } catch (err) {
    throw new UsageError(
      `--date-format "${format}" is not a valid strftime format: ${(err as Error).message.split('\n')[0]}`,
      'use specifiers like %Y-%m-%d %H:%M:%S, %d/%m/%Y or %m-%d-%Y %I:%M %p',
    );
  }
}

interface Prepared {
  table: CanonicalTable;
  src: Source;
  numbered: string;
  unnumbered: string;
  columns: Map<string, string>;
}

/**
 * Load leads, activities and outcomes files into the canonical tables, validating every row in
 * DuckDB SQL. Bad rows go to rejected_rows with their reasons; valid rows are upserted by key.
 * Fatal problems (missing file or column, empty file) throw a DataError before anything is written;
 * everything else happens in one transaction. With `strict`, any rejected row fails the whole
 * ingest and nothing at all is written (not even rejected_rows); the error lists the first reasons.
 */
export async function ingest(w: Warehouse, opts: IngestOptions): Promise<IngestReport> {
  const say = opts.onProgress ?? (() => undefined);
  const runId = opts.runId ?? randomUUID();
  const now = opts.now ?? new Date();
  const tables = ORDER.filter((t) => opts[t] !== undefined);
  if (tables.length === 0)
    throw new UsageError(
      'nothing to ingest: give at least one of leads, activities, outcomes',
      'e.g. leadscore ingest --leads leads.csv --activities activities.csv',
    );
  const mapFile = typeof opts.map === 'string' ? opts.map : undefined;
  const mapping: Mapping = typeof opts.map === 'string' ? loadMapping(opts.map) : (opts.map ?? {});
  if (opts.dateFormat) await checkDateFormat(w, opts.dateFormat);

  // 1. fatal checks for every file first, so a bad path in the last file costs nothing
  const prepared: Prepared[] = [];
  for (const table of tables) {
    const src = await openSource(w, opts[table]!, table);
    const columns = resolveColumns(src, SPECS[table], table, mapping[table] ?? {}, mapFile);
    prepared.push({ table, src, columns, numbered: numberedSourceSql(src), unnumbered: unnumberedSourceSql(src) });
  }
  for (const p of prepared) {
    await checkHasRows(w, p.src, p.table);
    say(`${p.table}: reading ${p.src.shown} (${p.src.format}, ${p.src.columns.length} columns)`);
  }

  // 2. plans (leads extras need one look at the data to keep their types)
  const plans = new Map<CanonicalTable, TablePlan>();
  for (const p of prepared) {
    const dateFormat = opts.dateFormat;
    if (p.table === 'leads') {
      const used = new Set(p.columns.values());
      const extraIdx = p.src.columns.map((c, i) => (used.has(c.name) ? -1 : i)).filter((i) => i >= 0);
      const kinds = await inferExtraKinds(w, p.src, extraIdx);
      plans.set('leads', leadsPlan(p.src, p.columns, extrasJsonSql(p.src, kinds), { dateFormat }));
    } else if (p.table === 'activities') {
      plans.set('activities', activitiesPlan(p.src, p.columns, mapping.activity_types ?? {}, { dateFormat }));
    } else {
      plans.set('outcomes', outcomesPlan(p.src, p.columns, { dateFormat }));
    }
  }

  // 3. validate and write, all or nothing
  await startQuarantine(w);
  try {
    return await w.transaction(async (tx) => {
      await ensureCanonicalTables(tx);
      const report: IngestReport = { run_id: runId, tables: {}, rejected_by_reason: {}, samples: [] };
      for (const p of prepared) {
        const started = performance.now();
        const plan = plans.get(p.table)!;
        const { read, rejected } = await collectRejects(tx, plan, p.numbered, p.unnumbered);
        say(`${p.table}: validated ${read} rows, ${rejected} rejected`);
        const before = await tx.count(p.table);
        if (p.table === 'leads') await writeLeads(tx, plan, p.numbered);
        else if (p.table === 'activities') await writeActivities(tx, plan, p.unnumbered);
        else await writeOutcomes(tx, plan, p.numbered);
        const added = (await tx.count(p.table)) - before;
        const t: TableReport = {
          source_file: p.src.file,
          read,
          loaded: read - rejected,
          rejected,
          added,
          reasons: await reasonsFor(tx, p.table),
          seconds: (performance.now() - started) / 1000,
        };
        report.tables[p.table] = t;
        say(`${p.table}: ${t.loaded} loaded (${added} new), ${rejected} rejected`);
      }
      report.rejected_by_reason = await reasonKinds(tx);
      report.samples = await rejectSamples(tx, 10, ORDER);
      const totalRejected = Object.values(report.tables).reduce((s, t) => s + t!.rejected, 0);
      if (opts.strict && totalRejected > 0) {
        const lines = report.samples.map((s) => `  ${s.table} row ${s.row_number}: ${s.reason}`);
        throw new DataError(
          `--strict: ${totalRejected} row(s) rejected, so nothing was written:\n${lines.join('\n')}${totalRejected > lines.length ? `\n  ... and ${totalRejected - lines.length} more` : ''}`,
          'fix these rows in the source files, or run without --strict to load the valid rows and keep the rest in rejected_rows',
        );
      }
      await writeRejects(
        tx,
        runId,
        now,
        prepared.map((p) => ({ file: p.src.file, table: p.table })),
      );
      return report;
    });
  } finally {
    await endQuarantine(w);
  }
}
