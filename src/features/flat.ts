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

/** A flat table read for training: the frame, and the target value that was read as converted. */
export type FlatFrame = FeatureFrame & { positive: string };

/** Load a flat table (CSV/Parquet/JSON file, or a warehouse table) into a FeatureFrame with 0/1 labels. */
export async function loadFlatFrame(
  source: string | { w: Warehouse; table: string },
  opts: FlatOptions,
): Promise<FlatFrame> {
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
          `"${name}" looks like an ID (a different value on every row) and was left out; override with columns: ` +
            `{ "${name}": { kind: ... } }`,
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
  return { ids, asOf: new Float64Array(keep.length).fill(NaN), label: labels, columns, notes, positive };
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
    `${label}: cannot tell which value of "${target}" means converted (values: ` +
      `${distinct.slice(0, 10).join(', ')}${distinct.length > 10 ? ', ...' : ''})`,
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
    `SELECT ${cols.map((c) => `CAST(${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`).join(', ')} FROM ` +
      `${quoteIdent(table)}`,
  );
  return res as Record<string, (string | null)[]>;
}

/** What a trained flat model needs to read new rows the way it was trained (its card's flat spec). */
export interface FlatScoringSpec {
  source: string;
  target: string;
  id: string | null;
  positive?: string;
  missing_values?: string[];
  columns: Array<{ name: string; kind: 'numeric' | 'categorical' }>;
}

/** A flat table read for scoring: the frame (no labels), and what was noticed on the way. */
export interface FlatScoringFrame {
  frame: FeatureFrame;
  notes: string[];
  /** rows left out because their target already says converted (leads: 'open') */
  converted: number;
}

/**
 * Read new rows of a flat table for a model trained on one: the model's columns with the kinds it was
 * trained with (a value that is not a number in a numeric column is read as missing, and counted), the id
 * column (row numbers without one), and with leads 'open', rows whose target already says converted
 * left out. A column the model needs that the file lacks is a DataError naming it.
 */
export async function loadFlatScoringFrame(
  source: string | { w: Warehouse; table: string },
  spec: FlatScoringSpec,
  opts: { leads: 'open' | 'all' },
): Promise<FlatScoringFrame> {
  const label = typeof source === 'string' ? source : `table ${source.table}`;
  const raw = typeof source === 'string' ? await readFileAsText(source) : await readTableAsText(source.w, source.table);
  const names = Object.keys(raw);
  const n = names.length ? raw[names[0]].length : 0;
  const lacking = [...spec.columns.map((c) => c.name), ...(spec.id ? [spec.id] : [])].filter((c) => !(c in raw));
  if (lacking.length) {
    const guess = closestName(lacking[0], names);
    throw new DataError(
      `${label} lacks ${lacking.length} column(s) the model was trained on: ${lacking.slice(0, 10).join(', ')}` +
        `${lacking.length > 10 ? ', ...' : ''}`,
      guess
        ? `did you mean "${guess}"? score a file with the columns of ${spec.source}`
        : `score a file with the columns of ${spec.source}`,
    );
  }
  if (n === 0) throw new DataError(`${label} has no rows to score`, 'check the file');
  const missing = new Set(spec.missing_values ?? FLAT_MISSING_VALUES);
  const isMissing = (v: string | null) => v === null || missing.has(v.trim());
  const notes: string[] = [];
  const keep: number[] = [];
  let converted = 0;
  const target = spec.target in raw && spec.positive !== undefined ? raw[spec.target] : null;
  for (let i = 0; i < n; i++) {
    if (opts.leads === 'open' && target && !isMissing(target[i]) && target[i]!.trim() === spec.positive) converted++;
    else keep.push(i);
  }
  if (converted)
    notes.push(
      `${converted} rows whose "${spec.target}" already says converted were left out (--leads all keeps them)`,
    );
  if (keep.length === 0) throw new DataError(`${label}: every row has already converted`, 'score with --leads all');
  const ids = spec.id ? keep.map((i) => raw[spec.id!][i]?.trim() ?? '') : keep.map((i) => `row${i + 1}`);
  if (spec.id) {
    const seen = new Map<string, number>();
    keep.forEach((row, k) => {
      const id = ids[k];
      if (id === '')
        throw new DataError(`${label}: row ${row + 1} has no "${spec.id}"`, 'every row to score needs its id');
      const before = seen.get(id);
      if (before !== undefined)
        throw new DataError(
          `${label}: "${spec.id}" ${id.slice(0, 40)} is on rows ${before + 1} and ${row + 1}`,
          'ids must be unique: lead_scores keeps one score per lead',
        );
      seen.set(id, row);
    });
  }
  const columns: FeatureColumn[] = spec.columns.map((c) => {
    const values = raw[c.name];
    if (c.kind === 'categorical')
      return {
        name: c.name,
        kind: 'categorical',
        values: keep.map((i) => (isMissing(values[i]) ? null : values[i]!.trim())),
      };
    let bad = 0;
    const v = Float64Array.from(keep, (i) => {
      if (isMissing(values[i])) return NaN;
      const x = Number(values[i]!.trim());
      if (!Number.isFinite(x)) bad++;
      return Number.isFinite(x) ? x : NaN;
    });
    if (bad) notes.push(`"${c.name}": ${bad} values are not numbers and were read as missing`);
    return { name: c.name, kind: 'numeric', values: v };
  });
  return { frame: { ids, asOf: new Float64Array(keep.length).fill(NaN), columns, notes }, notes, converted };
}
