import { buildFeatureTable } from '../features/index.ts';
import { summarizeTable, type FeatureSummary } from '../features/summary.ts';
import { quoteIdent, requireWarehouse, withWarehouse } from '../store/index.ts';
import { asOfDates, loadSpecFor, type WarehouseFeatureQuery } from './features-input.ts';
import { FEATURE_TABLE_SIGNATURE, checkOutputName, claimOutputTable, recordOutputTable } from './output-tables.ts';

/** Options of a point-in-time feature build into a warehouse table. */
export interface FeatureBuildOptions extends WarehouseFeatureQuery {
  /** output table (replaced atomically; never one of leadscore's own tables, see output-tables.ts) */
  into: string;
  /** overwrite `into` even when it is a table leadscore did not write */
  replace?: boolean;
  withLabels: boolean;
  onStage?: (stage: string) => void;
}

/** What a feature build made: the table, its shape, and a per-feature summary. */
export interface FeatureBuildResult {
  table: string;
  rows: number;
  snapshots: Date[];
  /** converted rows (label = 1); undefined without labels */
  positives?: number;
  features: FeatureSummary[];
}

/** Build a feature table as of one or more dates (only earlier activity counts) and summarize it. */
export async function buildFeatures(opts: FeatureBuildOptions): Promise<FeatureBuildResult> {
  const dates = asOfDates(opts.asOf, opts.series);
  const target = {
    flag: '--into',
    command: 'features build',
    replace: opts.replace === true,
    signature: FEATURE_TABLE_SIGNATURE,
  };
  checkOutputName(opts.into, target);
  requireWarehouse(opts.db); // a mistyped --db must not create an empty warehouse
  return withWarehouse(opts.db, async (w) => {
    const spec = await loadSpecFor(w, opts.features);
    await claimOutputTable(w, opts.into, target);
    opts.onStage?.(`features as of ${dates.length} date(s) into ${opts.into}`);
    const { rows, table } = await buildFeatureTable(w, spec, {
      asOf: dates,
      horizonDays: opts.horizonDays,
      withLabels: opts.withLabels,
      leads: opts.leads,
      into: opts.into,
    });
    await recordOutputTable(w, table, 'features build');
    opts.onStage?.(`summarizing ${rows} rows`);
    const features = await summarizeTable(w, table, spec);
    const positives = opts.withLabels
      ? ((await w.one<{ n: number }>(`SELECT coalesce(sum(label), 0)::BIGINT AS n FROM ${quoteIdent(table)}`))?.n ?? 0)
      : undefined;
    return { table, rows, snapshots: dates, positives, features };
  });
}
