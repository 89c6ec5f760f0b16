import { DataError, UsageError } from '../../errors.ts';
import { HUBSPOT } from './hubspot.ts';
import { SALESFORCE } from './salesforce.ts';
import { matches, type ExportShape, type Preset } from './shape.ts';
import type { CanonicalTable } from '../types.ts';

export type { ExportShape, Preset } from './shape.ts';

/** The presets `ingest --preset` knows. */
export const PRESETS: Record<string, Preset> = { salesforce: SALESFORCE, hubspot: HUBSPOT };

/** A preset by name; a UsageError listing the known ones otherwise. */
export function presetNamed(name: string): Preset {
  const p = PRESETS[name.toLowerCase()];
  if (!p) throw new UsageError(`unknown preset "${name}"`, `use one of: ${Object.keys(PRESETS).join(', ')}`);
  return p;
}

/** The shape of a preset that a file's header matches, for a table; a DataError naming what was expected otherwise. */
export function shapeFor(preset: Preset, table: CanonicalTable, header: string[], shown: string): ExportShape {
  const candidates = preset.shapes.filter((s) => s.table === table);
  const found = candidates.find((s) => matches(s, header));
  if (found) return found;
  const expected = candidates
    .map((s) => `${s.name} (columns ${s.signature.map((g) => g.join(' or ')).join(', ')})`)
    .join('; ');
  throw new DataError(
    `${table} file ${shown} does not look like an export --preset ${preset.name} reads: ` +
      `expected ${expected || 'nothing for this table'}. Columns found: ${header.join(', ')}`,
    `export with the standard column names, or map the columns yourself with --map`,
  );
}
