import type { ColumnSpec } from '../schema/index.ts';
import { closestName, DataError } from '../errors.ts';
import type { Source } from './source.ts';

/** Loose form of a column name for matching: lower case, letters and digits only ("Lead ID" ~ lead_id). */
function loose(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Which source column feeds each canonical column: the mapping's choice, else the same name,
 * else a loose match (case, spaces, underscores ignored). A missing required column is fatal.
 */
export function resolveColumns(
  src: Source,
  specs: ColumnSpec[],
  table: string,
  mapped: Record<string, string | undefined> = {},
  mapFile?: string,
): Map<string, string> {
  const found = src.columns.map((c) => c.name);
  const out = new Map<string, string>();
  for (const spec of specs) {
    const want = mapped[spec.name];
    if (want !== undefined) {
      if (!found.includes(want)) {
        const near = closestName(want, found);
        throw new DataError(
          `${mapFile ?? 'mapping'}: ${table}.${spec.name} maps to column "${want}", but ${table} file ${src.shown} has no such column. Columns found: ${found.join(', ')}`,
          near
            ? `did you mean "${near}"? Fix the mapping file`
            : 'fix the column name in the mapping file (names are case-sensitive)',
        );
      }
      out.set(spec.name, want);
      continue;
    }
    const exact = found.find((c) => c === spec.name) ?? found.find((c) => loose(c) === loose(spec.name));
    if (exact !== undefined) {
      out.set(spec.name, exact);
      continue;
    }
    if (spec.required) {
      const near = closestName(spec.name, found);
      throw new DataError(
        `${table} file ${src.shown} has no column "${spec.name}" (required). Columns found: ${found.join(', ')}`,
        `${near ? `closest match: "${near}". ` : ''}Rename the column in the file, or map it: --map mapping.yaml with  ${table}: {${spec.name}: "${near ?? 'Your Column'}"}`,
      );
    }
  }
  return out;
}
