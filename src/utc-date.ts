/**
 * How a date or time typed by a user (a flag, an option) becomes an instant: UTC unless it says
 * otherwise. One rule for `--as-of`, the generator's date range and the library's options.
 */

/** Parse `2025-06-30` (midnight UTC), `2025-06-30T12:00` (UTC) or a time with its own offset; null when invalid. */
export function parseUtcDate(raw: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return null;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(raw)
    ? `${raw}T00:00:00Z`
    : /[zZ]|[+-]\d{2}:?\d{2}$/.test(raw)
      ? raw
      : `${raw}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}
