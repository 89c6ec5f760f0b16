/**
 * Labels from `outcomes`: a snapshot row (lead, as_of) is converted (1) when the lead has a `won`
 * outcome with closed_at in [as_of, as_of + horizon). Anything won earlier is not a label but a
 * reason to leave the lead out of the snapshot (see `leads: 'open'` in compile.ts).
 */

/** SQL (0/1 INTEGER) for the label of the row aliased `alias` (columns lead_id, as_of). */
export function labelSql(alias: string, horizonDays: number): string {
  if (!Number.isInteger(horizonDays) || horizonDays <= 0)
    throw new Error(`horizon must be a positive whole number of days, got ${horizonDays}`);
  return `CAST(EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = ${alias}.lead_id AND o.status = 'won'
    AND o.closed_at >= ${alias}.as_of AND o.closed_at < ${alias}.as_of + INTERVAL (${horizonDays}) DAY) AS INTEGER)`;
}

/** The latest as_of whose label window is fully observed when outcomes are known up to `dataEnd`. */
export function latestLabelledAsOf(dataEnd: Date, horizonDays: number): Date {
  return new Date(dataEnd.getTime() - horizonDays * 86_400_000);
}
