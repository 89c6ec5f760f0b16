import fs from 'node:fs';
import { loadConfigFile } from '../config-file.ts';
import { DataError, closestName } from '../errors.ts';
import {
  FLAT_MISSING_VALUES,
  FlatSpec,
  POSITIVE_LABELS,
  type CategoricalEncoding,
  type NumericEncoding,
} from '../schema/index.ts';
import { Warehouse, formatOf, quoteIdent } from '../store/index.ts';
import type { FeatureColumn, FeatureFrame } from './frame.ts';

/**
 * Flat tables: one row per lead with a target column (e.g. the X Education leads CSV). Column kinds
 * are inferred (numeric when every non-missing value parses as a number, else categorical), placeholder
 * values count as missing, and ID-like columns (a different value on every row) are left out.
 */

export { FlatSpec };

/** Options for loadFlatFrame. */
export interface FlatOptions {
  target: string;
  /** the row id column (default: row numbers); always left out of the features */
  id?: string;
  /** the target value that means converted (default: 1 / yes / true when the column has exactly two such values) */
  positive?: string;
  /** values treated as missing (default FLAT_MISSING_VALUES: empty cells) */
  missingValues?: string[];
  overrides?: Pick<FlatSpec, 'columns' | 'exclude'>;
}

/** Load and validate a flat-table YAML file. */
export function loadFlatSpec(file: string): FlatSpec {
  return loadConfigFile(
    FlatSpec,
    file,
    'flat-table spec',
    'keys: target, id, positive, missing_values, columns (NAME: exclude | {kind, encoding}), exclude',
  );
}

/** Load a flat table (CSV/Parquet/JSON file, or a warehouse table) into a FeatureFrame with 0/1 labels. */
export async function loadFlatFrame(
  source: string | { w: Warehouse; table: string },
  opts: FlatOptions,
): Promise<FeatureFrame> {
  const label = typeof source === 'string' ? source : `table ${source.table}`;
  const raw = typeof source === 'string' ? await readFileAsText(source) : await readTableAsText(source.w, source.table);
  const names = Object.keys(raw);
  const n = names.length ? raw[names[0]].length : 0;
  const need = (col: string, what: string) => {
    if (!(col in raw)) {
      const guess = closestName(col, names);
      throw new DataError(
        `${label}: no ${what} column "${col}"`,
        guess ? `did you mean "${guess}"?` : `columns are: ${names.join(', ')}`,
      );
    }
  };
  need(opts.target, 'target');
  if (opts.id) need(opts.id, 'id');
  const overrides = opts.overrides ?? { columns: {}, exclude: [] };
  for (const c of [...Object.keys(overrides.columns ?? {}), ...(overrides.exclude ?? [])]) need(c, 'override');
  const missing = new Set(opts.missingValues ?? FLAT_MISSING_VALUES);
  const isMissing = (v: string | null) => v === null || missing.has(v.trim());
  const notes: string[] = [];

  // target -> 0/1; rows without a target are dropped (and said so)
  const target = raw[opts.target];
  const positive = opts.positive ?? guessPositive(target.filter((v) => !isMissing(v)) as string[], label, opts.target);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!isMissing(target[i])) keep.push(i);
  if (keep.length < n) notes.push(`${n - keep.length} rows without a value in "${opts.target}" were left out`);
  if (keep.length === 0)
    throw new DataError(`${label}: the target column "${opts.target}" has no values`, 'check --target');
  const labels = Uint8Array.from(keep, (i) => (target[i]!.trim() === positive ? 1 : 0));
  const positives = labels.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === labels.length) {
    throw new DataError(
      `${label}: target "${opts.target}" has only one class (positive value "${positive}")`,
      'pass --positive with the value that means converted',
    );
  }

  const ids = opts.id ? keep.map((i) => raw[opts.id!][i] ?? `row${i + 1}`) : keep.map((i) => `row${i + 1}`);
  const columns: FeatureColumn[] = [];
  const excluded = new Set([opts.target, ...(opts.id ? [opts.id] : []), ...(overrides.exclude ?? [])]);
  for (const name of names) {
    if (excluded.has(name)) continue;
    const override = overrides.columns?.[name];
    if (override === 'exclude') continue;
    const values = keep.map((i) => (isMissing(raw[name][i]) ? null : raw[name][i]!.trim()));
    const present = values.filter((v): v is string => v !== null);
    const parses = present.length > 0 && present.every((v) => v !== '' && Number.isFinite(Number(v)));
    // ISO dates (2024-03-01, 2024-03-01 14:05:00, ...) become days since 1970, marked as dates for the audit
    if (!override && !parses && present.length > 0 && present.every(isIsoDate)) {
      columns.push({ name, kind: 'numeric', values: Float64Array.from(values, daysSinceEpoch), date: true });
      continue;
    }
    const kind = override?.kind ?? (parses ? 'numeric' : 'categorical');
    if (!override) {
      const distinct = new Set(present).size;
      // a different value on every row: an ID, unless it is a measurement (numbers with fractions)
      const integral = !parses || present.every((v) => Number.isInteger(Number(v)));
      if (distinct === values.length && values.length >= 20 && integral) {
        notes.push(
          `"${name}" looks like an ID (a different value on every row) and was left out; override with columns: { "${name}": { kind: ... } }`,
        );
        continue;
      }
    }
    if (kind === 'numeric') {
      const v = Float64Array.from(values, (s) => (s === null ? NaN : Number(s)));
      if (override && present.some((s) => !Number.isFinite(Number(s)))) {
        const bad = present.find((s) => !Number.isFinite(Number(s)));
        throw new DataError(
          `${label}: column "${name}" is overridden as numeric but has the value "${bad}"`,
          'add it to missing_values or make the column categorical',
        );
      }
      columns.push({
        name,
        kind: 'numeric',
        values: v,
        ...(override?.encoding ? { encoding: override.encoding as Partial<NumericEncoding> } : {}),
      });
    } else {
      columns.push({
        name,
        kind: 'categorical',
        values,
        ...(override?.encoding ? { encoding: override.encoding as Partial<CategoricalEncoding> } : {}),
      });
    }
  }
  return { ids, asOf: new Float64Array(keep.length).fill(NaN), label: labels, columns, notes };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** True for an ISO-8601 date or timestamp that Date.parse reads. */
function isIsoDate(v: string): boolean {
  return ISO_DATE.test(v) && !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T')));
}

/** Days since 1970-01-01 UTC (fractional for timestamps; no zone means UTC); NaN for a missing value. */
function daysSinceEpoch(v: string | null): number {
  if (v === null) return NaN;
  const iso = v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T');
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
  return Date.parse(zoned) / 86_400_000;
}

function guessPositive(values: string[], label: string, target: string): string {
  const distinct = [...new Set(values.map((v) => v.trim()))];
  const lower = distinct.map((v) => v.toLowerCase());
  if (distinct.length === 2) {
    for (const p of POSITIVE_LABELS) {
      const k = lower.indexOf(p);
      if (k >= 0) return distinct[k];
    }
    if (lower.includes('1.0')) return distinct[lower.indexOf('1.0')];
  }
  throw new DataError(
    `${label}: cannot tell which value of "${target}" means converted (values: ${distinct.slice(0, 10).join(', ')}${distinct.length > 10 ? ', ...' : ''})`,
    'pass --positive VALUE (the target must have two values)',
  );
}

async function readFileAsText(file: string): Promise<Record<string, (string | null)[]>> {
  if (!fs.existsSync(file)) throw new DataError(`data file not found: ${file}`, 'check --data');
  const w = await Warehouse.open(':memory:');
  try {
    await w.importFile('flat', file, formatOf(file), { allVarchar: true });
    return await readTableAsText(w, 'flat');
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(
      `cannot read ${file}: ${(err as Error).message.split('\n')[0]}`,
      'check that it is a CSV with a header row, Parquet, or JSON lines',
    );
  } finally {
    await w.close();
  }
}

async function readTableAsText(w: Warehouse, table: string): Promise<Record<string, (string | null)[]>> {
  const cols = await w.tableColumns(table);
  if (cols.length === 0)
    throw new DataError(`table "${table}" not found or has no columns in ${w.path}`, 'check the table name');
  const res = await w.columns(
    `SELECT ${cols.map((c) => `CAST(${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`).join(', ')} FROM ${quoteIdent(table)}`,
  );
  return res as Record<string, (string | null)[]>;
}
