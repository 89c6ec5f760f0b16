import { DataError } from '../errors.ts';
import { quoteIdent, type Warehouse } from '../store/index.ts';

/**
 * Snapshot pairs (lead_id, as_of): the moments at which a lead is looked at. A training set is
 * built from several as_of dates so the model sees leads at many ages and seasons.
 */

const DAY_MS = 86_400_000;

/** as_of dates from `start` to `end` inclusive, every `every` days or on the same day of each month (UTC). */
export function snapshotDates(start: Date, end: Date, every: number | 'month'): Date[] {
  if (!(start.getTime() <= end.getTime()))
    throw new DataError(`snapshot start ${start.toISOString()} is after end ${end.toISOString()}`, 'swap the dates');
  const out: Date[] = [];
  if (every === 'month') {
    for (let m = 0; ; m++) {
      const d = new Date(
        Date.UTC(
          start.getUTCFullYear(),
          start.getUTCMonth() + m,
          1,
          start.getUTCHours(),
          start.getUTCMinutes(),
          start.getUTCSeconds(),
        ),
      );
      // clamp the day (Jan 31 -> Feb 28/29)
      const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      d.setUTCDate(Math.min(start.getUTCDate(), lastDay));
      if (d.getTime() > end.getTime()) break;
      out.push(d);
    }
    return out;
  }
  if (!(every > 0))
    throw new DataError(`snapshot interval must be positive days, got ${every}`, 'use e.g. 30 or "month"');
  for (let t = start.getTime(); t <= end.getTime(); t += every * DAY_MS) out.push(new Date(t));
  return out;
}

/**
 * Create `into` (lead_id, as_of): every lead paired with every date (the build keeps only leads created before each
 * date).
 */
export async function createDatePairs(w: Warehouse, dates: readonly Date[], into: string): Promise<number> {
  if (dates.length === 0) throw new DataError('no as_of dates given', 'pass at least one --as-of date');
  const values = dates.map((d) => `(TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}')`).join(', ');
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
    SELECT l.lead_id, d.as_of FROM leads l CROSS JOIN (VALUES ${values}) d(as_of) WHERE l.created_at < d.as_of`);
  return w.count(into);
}

/**
 * Create `into` (lead_id, as_of): one snapshot per lead at created_at + k days for each k,
 * dropping pairs after `notAfter` (e.g. data end minus the horizon, so every label window is complete).
 */
export async function createLeadAgePairs(
  w: Warehouse,
  ages: readonly number[],
  into: string,
  opts: { notAfter?: Date } = {},
): Promise<number> {
  if (ages.length === 0 || ages.some((k) => !(k > 0)))
    throw new DataError(`lead ages must be positive days, got [${ages.join(', ')}]`, 'use e.g. [7, 30]');
  const ks = ages.map((k) => `(${Math.round(k * 86_400_000_000)})`).join(', ');
  const cap = opts.notAfter
    ? `WHERE as_of <= TIMESTAMP '${opts.notAfter.toISOString().replace('T', ' ').replace('Z', '')}'`
    : '';
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
    SELECT * FROM (SELECT l.lead_id, l.created_at + to_microseconds(k.us) AS as_of FROM leads l CROSS JOIN
      (VALUES ${ks}) k(us)) ${cap}`);
  return w.count(into);
}

/**
 * Create `into` (lead_id, as_of): one row per lead as of its creation plus `afterDays` days (its first days'
 * activity then counts), for leads created in [start, ...] whose row falls at or before `end` (e.g. the data's
 * end minus the horizon, so every label window is complete). Returns the row count.
 */
export async function createCreationPairs(
  w: Warehouse,
  into: string,
  opts: { afterDays: number; start?: Date; end: Date },
): Promise<number> {
  if (!(Number.isInteger(opts.afterDays) && opts.afterDays >= 0))
    throw new DataError(`after_days must be a whole number of days >= 0, got ${opts.afterDays}`, 'e.g. after_days: 7');
  const ts = (d: Date) => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
  const asOf = `l.created_at + INTERVAL (${opts.afterDays}) DAY`;
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
    SELECT l.lead_id, ${asOf} AS as_of FROM leads l
    WHERE ${asOf} <= ${ts(opts.end)}${opts.start ? ` AND l.created_at >= ${ts(opts.start)}` : ''}`);
  return w.count(into);
}
