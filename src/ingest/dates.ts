import { DataError, UsageError } from '../errors.ts';
import { quoteLiteral, type Warehouse } from '../store/index.ts';

/**
 * Date formats: what the user states (strftime, a pattern such as dd-mm-yyyy HH:MM, iso, auto) and,
 * for auto, detection per column of the common forms: ISO 8601, day-first and month-first dates with
 * -, / or . and 2- or 4-digit years, each with or without a time. Day-first or month-first is settled
 * by a value whose first or second part is above 12; a column where no value settles it is refused
 * with a hint, never guessed.
 */

/** How one date column is parsed: ISO 8601 (DuckDB's cast), or strftime formats tried in order. */
export interface DateParse {
  formats: string[] | 'iso';
  /** how the format is named in messages and the report, e.g. dd-mm-yyyy HH:MM or %d/%m/%Y */
  label: string;
  /** true when detected from the data rather than stated */
  detected: boolean;
}

export const ISO: DateParse = { formats: 'iso', label: 'ISO 8601 (YYYY-MM-DD[ HH:MM:SS])', detected: false };

const TOKENS: Array<[RegExp, string]> = [
  [/yyyy/g, '%Y'],
  [/yy/g, '%y'],
  [/mm/g, '%m'],
  [/dd/g, '%d'],
  [/HH/g, '%H'],
  [/hh/g, '%I'],
  [/MM/g, '%M'],
  [/SS|ss/g, '%S'],
  [/AM\/PM|AM|PM|am|pm/g, '%p'],
];

/** A stated date format as strftime: `%d-%m-%Y` as is; `dd-mm-yyyy HH:MM` (mm month, MM minutes) translated. */
export function strftimeOf(text: string): string {
  if (text.includes('%')) return text;
  let out = text;
  for (const [re, to] of TOKENS) out = out.replace(re, to);
  if (!out.includes('%'))
    throw new UsageError(
      `date format "${text}" names no date parts`,
      'write it as dd-mm-yyyy, mm/dd/yyyy HH:MM or as strftime (%d-%m-%Y %H:%M); or iso, or auto (the default)',
    );
  return out;
}

/** Fail early with a usage error if a strftime format is not one DuckDB understands. */
export async function checkDateFormat(w: Warehouse, format: string, where = '--date-format'): Promise<void> {
  try {
    await w.run(`SELECT try_strptime('2024-01-01', ${quoteLiteral(format)})`);
  } catch (err) {
    throw new UsageError(
      `${where} "${format}" is not a valid date format: ${(err as Error).message.split('\n')[0]}`,
      'use dd-mm-yyyy, mm/dd/yyyy HH:MM, or strftime specifiers like %Y-%m-%d %H:%M:%S or %d/%m/%Y',
    );
  }
}

/** A stated format as a DateParse; undefined for auto (detect). */
export async function statedDateParse(
  w: Warehouse,
  text: string | undefined,
  where: string,
): Promise<DateParse | undefined> {
  if (text === undefined || text.toLowerCase() === 'auto') return undefined;
  if (text.toLowerCase() === 'iso') return ISO;
  const f = strftimeOf(text);
  await checkDateFormat(w, f, where);
  return { formats: [f], label: text === f ? f : `${text} (${f})`, detected: false };
}

const TIME = String.raw`(\d{1,2}):(\d{2})(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?`;
const DMY = String.raw`^(\d{1,2})([-/.])(\d{1,2})[-/.](\d{2}|\d{4})([ T]${TIME})?$`;
const YMD_SLASH = String.raw`^\d{4}[/.]\d{1,2}[/.]\d{1,2}([ T]${TIME})?$`;
const ISO_RE = String.raw`^\d{4}-\d{2}-\d{2}([ T].*)?$`;
const SAMPLE_ROWS = 100_000;
const QUICK_ROWS = 10_000;

interface Stats {
  n: number;
  iso: number;
  ymd: number;
  dmy: number;
  max1: number | null;
  max2: number | null;
  seps: string[];
  short_year: number;
  long_year: number;
  ampm: number;
  example: string | null;
}

function statsSql(v: string): string {
  const m = (i: number) => `TRY_CAST(regexp_extract(${v}, ${quoteLiteral(DMY)}, ${i}) AS INTEGER)`;
  const isDmy = `regexp_full_match(${v}, ${quoteLiteral(DMY)})`;
  return `count(${v}) AS n,
    count(*) FILTER (WHERE regexp_full_match(${v}, ${quoteLiteral(ISO_RE)})) AS iso,
    count(*) FILTER (WHERE regexp_full_match(${v}, ${quoteLiteral(YMD_SLASH)})) AS ymd,
    count(*) FILTER (WHERE ${isDmy}) AS dmy,
    max(${m(1)}) FILTER (WHERE ${isDmy}) AS max1,
    max(${m(3)}) FILTER (WHERE ${isDmy}) AS max2,
    list_distinct(list(regexp_extract(${v}, ${quoteLiteral(DMY)}, 2)) FILTER (WHERE ${isDmy})) AS seps,
    count(*) FILTER (WHERE ${isDmy} AND length(regexp_extract(${v}, ${quoteLiteral(DMY)}, 4)) = 2) AS short_year,
    count(*) FILTER (WHERE ${isDmy} AND length(regexp_extract(${v}, ${quoteLiteral(DMY)}, 4)) = 4) AS long_year,
    count(*) FILTER (WHERE ${isDmy} AND regexp_matches(${v}, '[AaPp][Mm]$')) AS ampm,
    any_value(${v}) FILTER (WHERE ${isDmy}) AS example`;
}

async function columnStats(w: Warehouse, rawSql: string, from: string, limit?: number): Promise<Stats> {
  const rows = `(SELECT ${rawSql} AS v FROM ${from} WHERE v IS NOT NULL${limit ? ` LIMIT ${limit}` : ''})`;
  const s = await w.one<Record<string, unknown>>(`SELECT ${statsSql('v')} FROM ${rows}`);
  const num = (k: string) => (s?.[k] == null ? null : Number(s[k]));
  return {
    n: num('n') ?? 0,
    iso: num('iso') ?? 0,
    ymd: num('ymd') ?? 0,
    dmy: num('dmy') ?? 0,
    max1: num('max1'),
    max2: num('max2'),
    seps: (s?.seps as string[] | null) ?? [],
    short_year: num('short_year') ?? 0,
    long_year: num('long_year') ?? 0,
    ampm: num('ampm') ?? 0,
    example: (s?.example as string | null) ?? null,
  };
}

function withTimes(date: string, ampm: boolean): string[] {
  const times = ampm
    ? ['%I:%M:%S %p', '%I:%M %p', '%I:%M:%S%p', '%I:%M%p', '%H:%M:%S.%f', '%H:%M:%S', '%H:%M']
    : ['%H:%M:%S.%f', '%H:%M:%S', '%H:%M'];
  return [...times.flatMap((t) => [`${date} ${t}`, `${date}T${t}`]), date];
}

/** Where a detected column is named in messages: leads.created_at (column "Create Date" of file.csv). */
export interface DateColumnRef {
  where: string;
}

/**
 * Detect the format of one date column from its text values (a sample first; the whole column when
 * the sample does not settle day-first against month-first). Values in none of the forms are left to
 * the row checks, which reject them naming the format used.
 */
export async function detectDateParse(
  w: Warehouse,
  rawSql: string,
  from: string,
  ref: DateColumnRef,
): Promise<DateParse> {
  // the common case first, cheaply: every value of a first sample is ISO 8601
  const quick = await w.one<{ n: number; iso: number }>(
    `SELECT count(v)::BIGINT AS n, count(*) FILTER (WHERE v[5] = '-' AND v[8] = '-')::BIGINT AS iso
     FROM (SELECT ${rawSql} AS v FROM ${from} WHERE v IS NOT NULL LIMIT ${QUICK_ROWS})`,
  );
  if (quick && Number(quick.n) > 0 && Number(quick.iso) === Number(quick.n)) return { ...ISO, detected: true };
  let s = await columnStats(w, rawSql, from, SAMPLE_ROWS);
  if (s.dmy > 0 && s.iso + s.ymd === 0 && (s.max1 ?? 0) <= 12 && (s.max2 ?? 0) <= 12 && s.n >= SAMPLE_ROWS)
    s = await columnStats(w, rawSql, from);
  // a few values in another form than most are those rows' problem (rejected, naming the format)
  const other = s.iso + s.ymd;
  if (s.dmy === 0 || other >= 4 * s.dmy) {
    if (s.ymd > s.iso) return { formats: withTimes('%Y/%m/%d', false), label: 'yyyy/mm/dd', detected: true };
    return { ...ISO, detected: s.iso > 0 };
  }
  if (s.dmy < 4 * other)
    throw new DataError(
      `${ref.where}: the dates mix ISO (yyyy-mm-dd) with day or month first (e.g. "${s.example}")`,
      'state the format of the file with --date-format (or date_format in the mapping); ' +
        'the other rows are then rejected',
    );
  const dayFirst = (s.max1 ?? 0) > 12;
  const monthFirst = (s.max2 ?? 0) > 12;
  const sep = s.seps.length === 1 ? s.seps[0] : undefined;
  if ((dayFirst && monthFirst) || !sep)
    throw new DataError(
      `${ref.where}: the dates are in no single form (e.g. "${s.example}": ` +
        `${sep ? 'both day-first and month-first values' : `separators ${s.seps.join(' ')}`})`,
      'state the format with --date-format (or date_format in the mapping), e.g. "%d-%m-%Y"',
    );
  if (!dayFirst && !monthFirst) {
    const y = s.long_year >= s.short_year ? 'yyyy' : 'yy';
    throw new DataError(
      `${ref.where}: dates like "${s.example}" could be day-first or month-first: no value has a day above 12`,
      `say which with --date-format dd${sep}mm${sep}${y} or mm${sep}dd${sep}${y} (or date_format in the mapping)`,
    );
  }
  const year = s.long_year >= s.short_year ? '%Y' : '%y';
  const date = dayFirst ? `%d${sep}%m${sep}${year}` : `%m${sep}%d${sep}${year}`;
  const y = year === '%Y' ? 'yyyy' : 'yy';
  const label = dayFirst ? `dd${sep}mm${sep}${y}` : `mm${sep}dd${sep}${y}`;
  return {
    formats: withTimes(date, s.ampm > 0),
    label: `${label}${s.ampm ? ' [hh:MM AM/PM]' : ' [HH:MM[:SS]]'}`,
    detected: true,
  };
}

/**
 * SQL parsing raw text to a UTC TIMESTAMP. ISO 8601: date or date-time, `T` or space, optional fraction,
 * `Z` or an offset (converted to UTC; plain values are taken as UTC). Formats apply to text sources;
 * typed date columns (Parquet) are always ISO.
 */
export function dateSql(rawSql: string, parse: DateParse, sourceIsTemporal: boolean): string {
  if (parse.formats !== 'iso' && !sourceIsTemporal) {
    const list = `[${parse.formats.map(quoteLiteral).join(', ')}]`;
    const parsed = `try_strptime(${rawSql}, ${list})`;
    return parse.formats.some((f) => /%[zZ]/.test(f)) ? `timezone('UTC', ${parsed})` : parsed;
  }
  // only values with an offset after the date part need the (slower) zone-aware cast
  const tail = `${rawSql}[11:]`;
  return `CASE WHEN contains(${tail}, '+') OR contains(${tail}, '-')
    THEN timezone('UTC', TRY_CAST(${rawSql} AS TIMESTAMPTZ)) ELSE TRY_CAST(${rawSql} AS TIMESTAMP) END`;
}

/** True when a source column's type is already a date or timestamp (Parquet). */
export function isTemporalType(type: string | undefined): boolean {
  return type !== undefined && /^(DATE|TIMESTAMP)/i.test(type);
}
