import path from 'node:path';
import { z } from 'zod';
import { parseConfig, readConfigFile } from '../config-file.ts';
import { ConfigError } from '../errors.ts';
import { ACTIVITY_COLUMNS, LEAD_COLUMNS, OUTCOME_COLUMNS, type ColumnSpec } from '../schema/index.ts';
import type { CanonicalTable } from './types.ts';

/**
 * A mapping file says how an export's columns become the canonical tables. Per table (leads,
 * activities, outcomes; one entry or a list of entries, one per file):
 *
 *   file: deals.csv                          # optional; relative to the mapping file
 *   columns: {lead_id: "Record ID", occurred_at: [ActivityDate, CreatedDate]}   # a list: first non-empty
 *   constants: {status: won}                 # a value for every row
 *   date_format: "%d-%m-%Y %H:%M"            # or dd-mm-yyyy HH:MM, iso, auto (the default: detected per column)
 *   drop: [Notes, Owner]                     # source columns to ignore (not kept in extras)
 *   values: {status: {"Closed Won": won, "Closed Lost": lost, "*": open}}   # ~ (null): skip the row
 *   rules: {status: [{when: {IsWon: "true"}, value: won}, {when: {IsClosed: "true"}, value: lost}]}
 *   split: {lead_id: ";"}                    # keep the first item of a list value
 *   unknown_leads: skip                      # rows for leads not in leads are skipped, not rejected
 *   lookup: {lead_id: {column: Id, leads_column: ConvertedOpportunityId}}   # outcomes linked through leads
 *
 * The old flat form (`leads: {lead_id: "Record ID"}`) is the same as `columns`. `activity_types`
 * renames activity types (source name -> canonical name).
 */

const SPECS: Record<CanonicalTable, ColumnSpec[]> = {
  leads: LEAD_COLUMNS,
  activities: ACTIVITY_COLUMNS,
  outcomes: OUTCOME_COLUMNS,
};
export const TABLES: CanonicalTable[] = ['leads', 'activities', 'outcomes'];

const name = z.string().min(1, 'must be a non-empty source column name');
const sourceColumns = z.union([name, z.array(name).min(1)]);
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const rule = z
  .object({
    when: z.record(z.string(), z.union([scalar, z.array(scalar)])).optional(),
    value: z.union([scalar, z.null()]),
  })
  .strict();

function perColumn<T extends z.ZodType>(specs: ColumnSpec[], value: T) {
  return z.object(Object.fromEntries(specs.map((c) => [c.name, value.optional()]))).strict();
}

function tableSchema(table: CanonicalTable) {
  const specs = SPECS[table];
  const structured = {
    file: z.string().min(1).optional(),
    columns: perColumn(specs, sourceColumns).optional(),
    constants: perColumn(specs, scalar).optional(),
    date_format: z.string().min(1).optional(),
    drop: z.array(name).optional(),
    values: perColumn(specs, z.record(z.string(), z.union([scalar, z.null()]))).optional(),
    rules: perColumn(specs, z.array(rule)).optional(),
    split: perColumn(specs, z.string().min(1)).optional(),
    unknown_leads: z.enum(['reject', 'skip']).optional(),
    lookup: z
      .object({ lead_id: z.object({ column: name, leads_column: name }).strict() })
      .strict()
      .optional(),
  };
  const flat = Object.fromEntries(specs.map((c) => [c.name, sourceColumns.optional()]));
  const entry = z.object({ ...flat, ...structured }).strict();
  return z.union([entry, z.array(entry).min(1)]);
}

/** A mapping file as written. */
export const Mapping = z
  .object({
    leads: tableSchema('leads').optional(),
    activities: tableSchema('activities').optional(),
    outcomes: tableSchema('outcomes').optional(),
    activity_types: z.record(z.string().min(1), z.string().min(1, 'must be a non-empty activity type')).optional(),
  })
  .strict();
export type Mapping = z.infer<typeof Mapping>;

/** A rule: when every named source column holds one of the values ("*": any value), the column takes `value`. */
export interface Rule {
  when: Record<string, string[]>;
  value: string | null;
}

/** How one source file becomes one canonical table. */
export interface TableMapping {
  /** the file, resolved against the mapping file's folder */
  file?: string;
  /** canonical column -> source columns, the first non-empty one wins */
  columns: Record<string, string[]>;
  constants: Record<string, string>;
  dateFormat?: string;
  drop: string[];
  /** canonical column -> source value (case-insensitive; "*" any other) -> canonical value, null: skip the row */
  values: Record<string, Record<string, string | null>>;
  rules: Record<string, Rule[]>;
  split: Record<string, string>;
  unknownLeads: 'reject' | 'skip';
  lookup?: { column: string; leadsColumn: string };
}

/** A mapping, resolved: per table, one TableMapping per source file. */
export interface ResolvedMapping {
  tables: Partial<Record<CanonicalTable, TableMapping[]>>;
  activityTypes: Record<string, string>;
}

/** An empty TableMapping: every column by its own (or a similar) name. */
export function emptyTableMapping(): TableMapping {
  return { columns: {}, constants: {}, drop: [], values: {}, rules: {}, split: {}, unknownLeads: 'reject' };
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
type Entry = Exclude<z.infer<ReturnType<typeof tableSchema>>, unknown[]>;

function resolveEntry(table: CanonicalTable, e: Entry, baseDir: string | undefined, where: string): TableMapping {
  const out = emptyTableMapping();
  const canon = new Set(SPECS[table].map((c) => c.name));
  const raw = e as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (canon.has(key)) out.columns[key] = list(raw[key] as string | string[]);
  for (const [k, v] of Object.entries(e.columns ?? {})) {
    if (v === undefined) continue;
    if (out.columns[k]) throw new ConfigError(`${where}: ${table}.${k} is mapped twice (flat and under columns)`);
    out.columns[k] = list(v);
  }
  for (const [k, v] of Object.entries(e.constants ?? {})) {
    if (v === undefined) continue;
    if (out.columns[k])
      throw new ConfigError(
        `${where}: ${table}.${k} has both a source column and a constant`,
        'keep one: a constant fills every row',
      );
    out.constants[k] = v;
  }
  if (e.file) out.file = baseDir && !path.isAbsolute(e.file) ? path.resolve(baseDir, e.file) : e.file;
  out.dateFormat = e.date_format;
  out.drop = e.drop ?? [];
  for (const [k, v] of Object.entries(e.values ?? {})) if (v) out.values[k] = v;
  for (const [k, v] of Object.entries(e.rules ?? {}))
    if (v) out.rules[k] = v.map((r) => ({ when: mapValues(r.when ?? {}), value: r.value }));
  for (const [k, v] of Object.entries(e.split ?? {})) if (v) out.split[k] = v;
  out.unknownLeads = e.unknown_leads ?? 'reject';
  if (e.lookup) {
    if (table === 'leads') throw new ConfigError(`${where}: leads.lookup: only activities and outcomes link to leads`);
    out.lookup = { column: e.lookup.lead_id.column, leadsColumn: e.lookup.lead_id.leads_column };
  }
  return out;
}

function mapValues(when: Record<string, string | string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(when).map(([k, v]) => [k, list(v)]));
}

const HINT =
  'a mapping looks like: leads: {columns: {lead_id: "Prospect ID", created_at: "Created"}, date_format: dd-mm-yyyy}';

/** Validate a parsed mapping and resolve it; errors name the file and the key. Files are relative to `baseDir`. */
export function parseMapping(value: unknown, file = 'mapping', baseDir?: string): ResolvedMapping {
  const m = parseConfig(Mapping, value, file, HINT);
  const out: ResolvedMapping = { tables: {}, activityTypes: m.activity_types ?? {} };
  for (const table of TABLES) {
    const v = m[table];
    if (v === undefined) continue;
    const entries = (Array.isArray(v) ? v : [v]) as Entry[];
    out.tables[table] = entries.map((e, i) =>
      resolveEntry(table, e, baseDir, entries.length > 1 ? `${file} (${table}[${i}])` : file),
    );
  }
  return out;
}

/** Read, validate and resolve a mapping YAML file (its `file:` paths are relative to it). */
export function loadMapping(file: string): ResolvedMapping {
  return parseMapping(readConfigFile(file, 'mapping file', { bundled: false }), file, path.dirname(path.resolve(file)));
}
