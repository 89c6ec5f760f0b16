import { UsageError } from '../errors.ts';
import type { Warehouse } from '../store/index.ts';
import type { MappingOrigin } from './columns.ts';
import type { CsvOptions } from './csv-dialect.ts';
import {
  emptyTableMapping,
  loadMapping,
  parseMapping,
  TABLES,
  type ResolvedMapping,
  type TableMapping,
} from './mapping.ts';
import { matches } from './presets/shape.ts';
import { presetNamed, shapeFor } from './presets/index.ts';
import { openSource, type Source } from './source.ts';
import type { CanonicalTable, IngestOptions } from './types.ts';

/**
 * What an ingest loads: one entry per (table, source file), with the mapping that reads it. Files
 * come from the options (--leads, ...), else from the mapping's `file:` keys; a preset picks the
 * mapping of each file from its header (a Salesforce Task export and a CampaignMember export may both
 * be activities).
 */
export interface Load {
  table: CanonicalTable;
  src: Source;
  map: TableMapping;
  origin: MappingOrigin;
  /** how the report names what read the file */
  readAs: string;
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function resolveMapping(map: IngestOptions['map']): { mapping: ResolvedMapping; shown: string } {
  if (map === undefined) return { mapping: { tables: {}, activityTypes: {} }, shown: 'mapping' };
  if (typeof map === 'string') return { mapping: loadMapping(map), shown: map };
  return { mapping: parseMapping(map), shown: 'mapping' };
}

/** Pair a table's files from the options with its mapping entries. */
function filesAndEntries(
  table: CanonicalTable,
  flagged: string[],
  entries: TableMapping[],
  shown: string,
): Array<{ file: string; map: TableMapping }> {
  if (flagged.length === 0) return entries.flatMap((e) => (e.file ? [{ file: e.file, map: e }] : []));
  if (entries.length === 0) return flagged.map((file) => ({ file, map: emptyTableMapping() }));
  if (entries.length === 1) return flagged.map((file) => ({ file, map: entries[0] }));
  if (entries.length === flagged.length) return flagged.map((file, i) => ({ file, map: entries[i] }));
  throw new UsageError(
    `${shown} has ${entries.length} ${table} entries but ${flagged.length} --${table} files were given`,
    `give one --${table} per entry (in the same order), ` +
      `or name the files in the mapping (file:) and leave --${table} out`,
  );
}

/** Open every source of an ingest (fatal problems first: a bad path in the last file costs nothing). */
export async function openLoads(
  w: Warehouse,
  opts: IngestOptions,
): Promise<{ loads: Load[]; activityTypes: Record<string, string> }> {
  const csv: CsvOptions = { delimiter: opts.delimiter, quote: opts.quote, encoding: opts.encoding };
  if (opts.preset !== undefined) {
    if (opts.map !== undefined)
      throw new UsageError(
        '--preset and --map cannot be combined: a preset is a mapping',
        'use --map alone, with a mapping file written for your export',
      );
    return { loads: await presetLoads(w, opts, csv), activityTypes: {} };
  }
  const { mapping, shown } = resolveMapping(opts.map);
  const lenient = false;
  const loads: Load[] = [];
  for (const table of TABLES) {
    for (const { file, map } of filesAndEntries(table, asList(opts[table]), mapping.tables[table] ?? [], shown)) {
      const src = await openSource(w, file, table, csv);
      const origin = { shown, lenient };
      loads.push({ table, src, map, origin, readAs: opts.map === undefined ? 'column names' : `mapping ${shown}` });
    }
  }
  return { loads, activityTypes: mapping.activityTypes };
}

async function presetLoads(w: Warehouse, opts: IngestOptions, csv: CsvOptions): Promise<Load[]> {
  const preset = presetNamed(opts.preset!);
  const loads: Load[] = [];
  for (const table of TABLES) {
    for (const file of asList(opts[table])) {
      const src = await openSource(w, file, table, csv);
      const shape = shapeFor(
        preset,
        table,
        src.columns.map((c) => c.name),
        src.shown,
      );
      const origin = { shown: `--preset ${preset.name} (${shape.name})`, lenient: true };
      loads.push({ table, src, map: { ...shape.mapping }, origin, readAs: origin.shown });
    }
  }
  const derived = preset.outcomesFromLeads;
  if (derived && asList(opts.outcomes).length === 0) {
    for (const lead of loads.filter((l) => l.table === 'leads')) {
      if (
        !matches(
          derived,
          lead.src.columns.map((c) => c.name),
        )
      )
        continue;
      const src = await openSource(w, lead.src.shown, 'outcomes', csv);
      const origin = { shown: `--preset ${preset.name} (${derived.name})`, lenient: true };
      loads.push({ table: 'outcomes', src, map: { ...derived.mapping }, origin, readAs: origin.shown });
    }
  }
  return loads;
}
