import { UsageError } from '../errors.ts';
import { parseUtcDate } from '../utc-date.ts';

/** Default warehouse path when --db is not given. */
export const DEFAULT_DB = 'data/leadscore.duckdb';

/** Parse a positive integer flag, or throw a usage error naming the flag. */
export function parsePositiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${raw}"`);
  return n;
}

/** Parse an integer flag (any sign), or throw a usage error naming the flag. */
export function parseInteger(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be a whole number, got "${raw}"`);
  return n;
}

/** Parse --as-of: `now` (the only place the wall clock is read) or an ISO date/time, as UTC. */
export function parseAsOf(raw: string | undefined, flag = '--as-of'): Date {
  if (raw === undefined || raw === 'now') return new Date();
  const d = parseUtcDate(raw);
  if (!d) throw new UsageError(`${flag} must be "now" or a date like 2025-06-30, got "${raw}"`);
  return d;
}

/** Parse a duration like `90d`, `12w` or `90` (days) into days. */
export function parseDays(flag: string, raw: string): number {
  const m = /^(\d+)\s*([dw]?)$/.exec(raw.trim());
  if (!m) throw new UsageError(`${flag} must be a number of days like 90d or 12w, got "${raw}"`);
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1);
}
