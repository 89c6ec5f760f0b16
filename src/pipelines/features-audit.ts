import fs from 'node:fs';
import { DataError, UsageError } from '../errors.ts';
import {
  auditLeakage,
  buildFeatureTable,
  countFutureEvents,
  loadFlatFrame,
  loadFlatSpec,
  readFrame,
  stratifiedSplit,
  type AuditReport,
} from '../features/index.ts';
import { summarizeFrame, type FeatureSummary } from '../features/summary.ts';
import { withWarehouse } from '../store/index.ts';
import { asOfDates, loadSpecFor, type WarehouseFeatureQuery } from './features-input.ts';

export type { AuditReport };

/**
 * The leakage audit as the `features audit` command runs it: on the training part of a seeded,
 * stratified split of a flat file or of point-in-time warehouse features.
 */

/** The audited split: the share of rows in training (1: every row) and its seed. */
export interface AuditSplit {
  trainFraction: number;
  seed: number;
}

/** Options of an audit of a flat table (one row per lead). */
export interface FlatAuditOptions extends AuditSplit {
  data: string;
  /** the target column (or target: in the flat spec) */
  target?: string;
  id?: string;
  positive?: string;
  /** YAML with missing_values, columns overrides, exclude (and optionally target, id, positive) */
  flatSpec?: string;
}

/** A flat table's audit, with the notes from reading it and a per-column summary. */
export interface FlatAuditResult {
  report: AuditReport;
  notes: string[];
  rows: number;
  columns: FeatureSummary[];
}

/** Options of an audit of warehouse features as of one or more dates. */
export interface WarehouseAuditOptions extends AuditSplit, WarehouseFeatureQuery {}

/** Shares of the seeded split: all rows, or training and test. */
function fractions(s: AuditSplit) {
  return s.trainFraction === 1 ? { train: 1 } : { train: s.trainFraction, test: 1 - s.trainFraction };
}

/** Audit a flat file: single-feature AUC and per-class missing rates on its training split. */
export async function auditFlatFile(opts: FlatAuditOptions): Promise<FlatAuditResult> {
  const flatSpec = opts.flatSpec ? loadFlatSpec(opts.flatSpec) : undefined;
  const target = opts.target ?? flatSpec?.target;
  if (!target) throw new UsageError('--data needs --target COLUMN (or target: in --flat-spec)');
  const frame = await loadFlatFrame(opts.data, {
    target,
    id: opts.id ?? flatSpec?.id,
    positive: opts.positive ?? flatSpec?.positive,
    missingValues: flatSpec?.missing_values,
    overrides: flatSpec ? { columns: flatSpec.columns, exclude: flatSpec.exclude } : undefined,
  });
  const split = stratifiedSplit(frame.label!, fractions(opts), opts.seed);
  const report = auditLeakage(frame, split.train, { seed: opts.seed });
  return { report, notes: frame.notes ?? [], rows: frame.ids.length, columns: summarizeFrame(frame) };
}

/**
 * Audit warehouse features as of the given dates; also counts rows that used activities at or after
 * their as_of (any such row is flagged first, as `_max_event_at`).
 */
export async function auditWarehouse(opts: WarehouseAuditOptions): Promise<AuditReport & { future_events: number }> {
  if (!fs.existsSync(opts.db))
    throw new DataError(`warehouse not found: ${opts.db}`, 'pass --db, or --data FILE --target COL for a flat table');
  const dates = asOfDates(opts.asOf, opts.series);
  return withWarehouse(opts.db, async (w) => {
    const spec = await loadSpecFor(w, opts.features);
    const table = '_ls_audit_features';
    try {
      await buildFeatureTable(w, spec, {
        asOf: dates,
        horizonDays: opts.horizonDays,
        withLabels: true,
        leads: opts.leads,
        into: table,
      });
      const future = await countFutureEvents(w, table);
      const frame = await readFrame(w, table, spec);
      const split = stratifiedSplit(frame.label!, fractions(opts), opts.seed);
      const r = auditLeakage(frame, split.train, { seed: opts.seed });
      if (future > 0)
        r.suspected.unshift({
          column: '_max_event_at',
          reason: `${future} rows used activities at or after their as_of`,
        });
      return { ...r, future_events: future };
    } finally {
      await w.run(`DROP TABLE IF EXISTS ${table}`);
    }
  });
}
