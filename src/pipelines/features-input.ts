import { UsageError } from '../errors.ts';
import { loadFeatureSpec, snapshotDates, type FeatureSpec } from '../features/index.ts';
import type { Warehouse } from '../store/index.ts';

/**
 * What every features command resolves the same way before it builds anything: the as-of dates
 * (given one by one and/or as a series) and the feature spec, checked against this warehouse.
 */

/** A series of snapshot dates from `from` to `to` (inclusive), every month or every N days. */
export interface SnapshotSeries {
  from: Date;
  to: Date;
  every: 'month' | number;
}

/** Which warehouse features, as of when, for which leads: what a feature build and a feature audit share. */
export interface WarehouseFeatureQuery {
  db: string;
  /** feature definitions (YAML) */
  features: string;
  /** single as-of dates; with `series`, at least one date in all */
  asOf: Date[];
  series?: SnapshotSeries;
  /** label horizon in days (default: horizon_days in the features file) */
  horizonDays?: number;
  /** open: leave out leads already won before as_of; all: keep them */
  leads: 'open' | 'all';
}

/** The as-of dates of a features run: the single dates, then the series; at least one. */
export function asOfDates(single: Date[], series?: SnapshotSeries): Date[] {
  const dates = [...single];
  if (series) dates.push(...snapshotDates(series.from, series.to, series.every));
  if (dates.length === 0)
    throw new UsageError('give at least one --as-of date (or --from/--to)', 'e.g. --as-of 2024-06-30');
  return dates;
}

/** Load a feature spec whose activity names may also be any activity type this warehouse holds. */
export async function loadSpecFor(w: Warehouse, file: string): Promise<FeatureSpec> {
  const known = (await w.tableExists('activities'))
    ? (await w.all<{ t: string }>('SELECT DISTINCT activity_type AS t FROM activities')).map((r) => r.t)
    : [];
  return loadFeatureSpec(file, { knownActivities: known });
}
