import { emptyTableMapping, type TableMapping } from '../mapping.ts';
import type { CanonicalTable } from '../types.ts';

/**
 * One export a preset knows: the canonical table it fills, the columns that identify it (every group
 * must have one of its names in the file's header) and how its columns map.
 */
export interface ExportShape {
  /** what the export is called, e.g. "Salesforce Lead export" */
  name: string;
  table: CanonicalTable;
  signature: string[][];
  mapping: TableMapping;
}

/** A preset: the exports it reads, and outcomes it can derive from a leads export when no outcomes file is given. */
export interface Preset {
  name: string;
  shapes: ExportShape[];
  /** outcomes read from the leads file itself (e.g. converted leads), used when no outcomes file is given */
  outcomesFromLeads?: ExportShape;
  /** where the column names come from, for the README and messages */
  source: string;
}

/** A TableMapping from the parts a preset states. */
export function shapeMapping(parts: Partial<TableMapping>): TableMapping {
  return { ...emptyTableMapping(), ...parts };
}

const loose = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** True when a header has every group of a shape's signature. */
export function matches(shape: ExportShape, header: string[]): boolean {
  const names = new Set(header.map(loose));
  return shape.signature.every((group) => group.some((n) => names.has(loose(n))));
}
