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
 * A seeded share of the leads, chosen by a hash of each lead id (so a lead keeps all of its snapshots or none,
 * and the same seed keeps the same leads at any size).
 */
export interface LeadSample {
  seed: number;
  /** the share of leads kept, in (0, 1] */
  share: number;
}

/** The leads table, or the SQL of its seeded sample. */
function leadsOf(sample: LeadSample | undefined): string {
  if (!sample) return 'leads';
  const kept = Math.floor(sample.share * 1_000_000);
  const draw = `md5_number(lead_id || ':' || ${Math.trunc(sample.seed)}::VARCHAR) % 1000000`;
  return `(SELECT * FROM leads WHERE (${draw}) < ${kept})`;
}

function datePairsSql(dates: readonly Date[], sample?: LeadSample): string {
  if (dates.length === 0) throw new DataError('no as_of dates given', 'pass at least one --as-of date');
  const values = dates.map((d) => `(TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}')`).join(', ');
  return `SELECT l.lead_id, d.as_of FROM ${leadsOf(sample)} l CROSS JOIN (VALUES ${values}) d(as_of)
    WHERE l.created_at < d.as_of`;
}

/**
 * Create `into` (lead_id, as_of): every lead (or a seeded sample of them) paired with every date it was created
 * before. Returns the row count.
 */
export async function createDatePairs(
  w: Warehouse,
  dates: readonly Date[],
  into: string,
  opts: { sample?: LeadSample } = {},
): Promise<number> {
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS ${datePairsSql(dates, opts.sample)}`);
  return w.count(into);
}

/** How many rows createDatePairs would create for every lead, without creating them. */
export async function countDatePairs(w: Warehouse, dates: readonly Date[]): Promise<number> {
  return countRows(w, datePairsSql(dates));
}

async function countRows(w: Warehouse, sql: string): Promise<number> {
  const row = await w.one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (${sql})`);
  return Number(row?.n ?? 0);
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

/** Which creation rows: leads created in [start, ...] whose row (creation + afterDays) falls at or before end. */
export interface CreationWindow {
  afterDays: number;
  start?: Date;
  end: Date;
}

function creationPairsSql(window: CreationWindow, sample?: LeadSample): string {
  if (!(Number.isInteger(window.afterDays) && window.afterDays >= 0))
    throw new DataError(
      `after_days must be a whole number of days >= 0, got ${window.afterDays}`,
      'e.g. after_days: 7',
    );
  const ts = (d: Date) => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
  const asOf = `l.created_at + INTERVAL (${window.afterDays}) DAY`;
  return `SELECT l.lead_id, ${asOf} AS as_of FROM ${leadsOf(sample)} l
    WHERE ${asOf} <= ${ts(window.end)}${window.start ? ` AND l.created_at >= ${ts(window.start)}` : ''}`;
}

/**
 * Create `into` (lead_id, as_of): one row per lead as of its creation plus `afterDays` days (its first days'
 * activity then counts), for the leads in the window (e.g. ending at the data's end minus the horizon, so every
 * label window is complete), or a seeded sample of them. Returns the row count.
 */
export async function createCreationPairs(
  w: Warehouse,
  into: string,
  opts: CreationWindow & { sample?: LeadSample },
): Promise<number> {
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS ${creationPairsSql(opts, opts.sample)}`);
  return w.count(into);
}

/** How many rows createCreationPairs would create for every lead in the window, without creating them. */
export async function countCreationPairs(w: Warehouse, window: CreationWindow): Promise<number> {
  return countRows(w, creationPairsSql(window));
}
