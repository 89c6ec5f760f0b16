import type { TablePlan } from './checks.ts';
import { describeDialect } from './csv-dialect.ts';
import type { Load } from './loads.ts';
import { SPECS } from './plans.ts';
import type { PlanCounts } from './quarantine.ts';
import type { CanonicalTable, TableReport } from './types.ts';

/**
 * The ingest report of one source file: counts, which canonical columns were filled (and how many
 * values), which were left empty, where each came from, which source columns went to extras or were
 * not loaded, ranges read as numbers, date formats, merged duplicates and skipped rows.
 */

/** The report of one load once validated (added and seconds are filled in after the write). */
export function tableReport(load: Load, plan: TablePlan, counts: PlanCounts): TableReport {
  const src = load.src;
  const skippedTotal = Object.entries(counts.skipped)
    .filter(([k]) => k !== 'duplicate_merged')
    .reduce((s, [, n]) => s + n, 0);
  const merged = counts.skipped.duplicate_merged ?? 0;
  const skipped = Object.fromEntries(Object.entries(counts.skipped).filter(([k]) => k !== 'duplicate_merged'));
  const filled = Object.fromEntries(Object.entries(counts.filled).filter(([, n]) => n > 0));
  const sources: Record<string, string> = {};
  for (const spec of SPECS[load.table]) {
    const idx = plan.columns.get(spec.name);
    const parts = (idx ?? []).map((i) => `"${src.columns[i].name}"`);
    if (plan.map.constants[spec.name] !== undefined) parts.push(`constant "${plan.map.constants[spec.name]}"`);
    if (plan.map.rules[spec.name]) parts.push('rules');
    if (spec.name === 'lead_id' && plan.lookup) parts.push(`lookup via leads.${plan.map.lookup!.leadsColumn}`);
    if (parts.length) sources[spec.name] = parts.join(' or ');
  }
  const used = new Set<number>([...plan.columns.values()].flat());
  const extras = plan.extras.map((i) => src.columns[i].name);
  const dropped = src.columns.filter((c, i) => !used.has(i) && !plan.extras.includes(i)).map((c) => c.name);
  const dateFormats = Object.fromEntries(
    Object.entries(plan.dates).map(([c, d]) => [c, `${d.label}${d.detected ? ' (detected)' : ''}`]),
  );
  const loaded = counts.read - counts.rejected - skippedTotal;
  return {
    table: load.table,
    source_file: src.file,
    read_as: load.readAs,
    read: counts.read,
    loaded,
    rejected: counts.rejected,
    added: 0,
    merged,
    skipped,
    reasons: {},
    filled,
    empty: SPECS[load.table].map((c) => c.name).filter((c) => !filled[c]),
    sources,
    extras: load.table === 'leads' ? extras : [],
    dropped: load.table === 'leads' ? dropped : [...dropped, ...extras],
    ranges: Object.fromEntries(Object.entries(counts.ranges).filter(([, n]) => n > 0)),
    date_formats: dateFormats,
    dialect: src.dialect ? describeDialect(src.dialect) : undefined,
    seconds: 0,
  };
}

function add(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** One report per table: the reports of its files added up (the first file's descriptions kept). */
export function perTable(files: TableReport[]): Partial<Record<CanonicalTable, TableReport>> {
  const out: Partial<Record<CanonicalTable, TableReport>> = {};
  for (const f of files) {
    const t = out[f.table];
    if (!t) {
      out[f.table] = { ...f };
      continue;
    }
    const filled = add(t.filled, f.filled);
    out[f.table] = {
      ...t,
      source_file: `${t.source_file}, ${f.source_file}`,
      read: t.read + f.read,
      loaded: t.loaded + f.loaded,
      rejected: t.rejected + f.rejected,
      added: t.added + f.added,
      merged: t.merged + f.merged,
      skipped: add(t.skipped, f.skipped),
      reasons: add(t.reasons, f.reasons),
      filled,
      empty: t.empty.filter((c) => !filled[c]),
      extras: [...new Set([...t.extras, ...f.extras])],
      dropped: [...new Set([...t.dropped, ...f.dropped])],
      ranges: add(t.ranges, f.ranges),
      seconds: t.seconds + f.seconds,
    };
  }
  return out;
}
