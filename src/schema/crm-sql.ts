/**
 * The CRM's business rules in SQL, written once: when a lead counts as won, which leads are open as of
 * a date, what the label of a snapshot is, where the data ends, how an instant is written as a literal.
 * The feature compiler, the rules compiler, training, scoring, comparison and monitoring all use these,
 * so "open" and "converted" mean the same thing everywhere.
 *
 * A won outcome is won at its `closed_at`; CRMs sometimes leave that empty on won deals, and then the
 * deal's `created_at` is the best known date (the deal existed, and was won, by then). Dropping such a
 * deal would hide a conversion; treating it as never won would keep scoring a customer as a lead.
 */

const DAY_MS = 86_400_000;

/** SQL literal for a UTC instant (every table stores UTC as TIMESTAMP without a time zone). */
export function timestampSql(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error('timestampSql: invalid date');
  return `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
}

/** The instant an outcome row aliased `o` counts as won (when its status is won). */
export function wonAtSql(o: string): string {
  return `coalesce(${o}.closed_at, ${o}.created_at)`;
}

/** TRUE when the lead (`leadId`, an SQL expression) was won strictly before `asOf` (an SQL timestamp). */
export function wonBeforeSql(leadId: string, asOf: string): string {
  return `EXISTS (SELECT 1 FROM outcomes o
    WHERE o.lead_id = ${leadId} AND o.status = 'won' AND ${wonAtSql('o')} < ${asOf})`;
}

/** TRUE when the lead is open as of `asOf`: not won before it (its creation before as_of is checked apart). */
export function openLeadSql(leadId: string, asOf: string): string {
  return `NOT ${wonBeforeSql(leadId, asOf)}`;
}

/**
 * Per lead ever won: lead_id and `first_won_at`, its earliest won instant. The lead is open as of a date exactly
 * when it has no row here or the row is not before the date (openByFirstWonSql): the same as openLeadSql, as one
 * join per lead instead of a lookup per snapshot.
 */
export const FIRST_WON_SQL = `SELECT o.lead_id, min(${wonAtSql('o')}) AS first_won_at FROM outcomes o
  WHERE o.status = 'won' GROUP BY o.lead_id`;

/** TRUE when a lead whose first_won_at (FIRST_WON_SQL, NULL when never won) is `firstWon` is open as of `asOf`. */
export function openByFirstWonSql(firstWon: string, asOf: string): string {
  return `(${firstWon} IS NULL OR ${firstWon} >= ${asOf})`;
}

/** TRUE when the won instant `wonAt` falls in the label window [asOf, asOf + horizon days). */
export function inHorizonSql(wonAt: string, asOf: string, horizonDays: number): string {
  if (!Number.isInteger(horizonDays) || horizonDays <= 0) {
    throw new Error(`horizon must be a positive whole number of days, got ${horizonDays}`);
  }
  return `${wonAt} >= ${asOf} AND ${wonAt} < ${asOf} + INTERVAL (${horizonDays}) DAY`;
}

/** 0/1 INTEGER: the lead was won within [asOf, asOf + horizon days). */
export function labelSql(leadId: string, asOf: string, horizonDays: number): string {
  return `CAST(EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = ${leadId} AND o.status = 'won'
    AND ${inHorizonSql(wonAtSql('o'), asOf, horizonDays)}) AS INTEGER)`;
}

/**
 * SQL for the last instant the warehouse knows of: the latest activity, outcome or lead creation (NULL when
 * there is none). Leads count: an export with no activities and only won deals still runs up to its
 * newest lead, and a lead with no deal by then is known not to have converted.
 */
export const DATA_END_SQL = `greatest((SELECT max(occurred_at) FROM activities),
  (SELECT max(coalesce(closed_at, created_at)) FROM outcomes), (SELECT max(created_at) FROM leads))`;

/** The latest as_of whose label window is fully observed when outcomes are known up to `dataEnd`. */
export function latestLabelledAsOf(dataEnd: Date, horizonDays: number): Date {
  return new Date(dataEnd.getTime() - horizonDays * DAY_MS);
}
