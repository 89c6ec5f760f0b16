import type { Warehouse } from '../store/index.ts';
import type { FeatureDef, FeatureSpec } from './spec.ts';

/**
 * Source columns beyond the canonical ones travel in `leads.extras` (JSON, one key per column). Teams put
 * what they know there: a landing page, an origin, a form answer, a CRM custom property. Training adds
 * the usable ones as `type: extra` features: numeric keys, and text keys with few distinct values. IDs,
 * free text, dates and nested values are left out, each with a note. The leakage audit judges the added
 * features like any other (a "lifecycle stage" filled in after the deal is excluded there).
 */

/** Text keys with more distinct values than this are free text or IDs, not categories. */
export const MAX_EXTRA_LEVELS = 50;

/** What discoverExtras found: features to add, and a note per key left out. */
export interface ExtraDiscovery {
  features: FeatureDef[];
  notes: string[];
}

interface KeyStats {
  key: string;
  present: number;
  distinct: number;
  numeric: number;
  integral: number;
  text: number;
  other: number;
}

/**
 * The extras keys of the leads table worth a feature each (none when the table has no extras column).
 * Names are `x_<key in snake case>`, made unique against the spec's own features.
 */
export async function discoverExtras(w: Warehouse, spec: FeatureSpec): Promise<ExtraDiscovery> {
  const cols = await w.tableColumns('leads');
  if (!cols.includes('extras')) return { features: [], notes: [] };
  const stats = await w.all<KeyStats>(`
    SELECT key,
      count(*) FILTER (WHERE t <> 'NULL')::BIGINT AS present,
      count(DISTINCT v) FILTER (WHERE t <> 'NULL')::BIGINT AS distinct,
      count(*) FILTER (WHERE t IN ('BIGINT', 'UBIGINT', 'DOUBLE'))::BIGINT AS numeric,
      count(*) FILTER (WHERE t IN ('BIGINT', 'UBIGINT'))::BIGINT AS integral,
      count(*) FILTER (WHERE t IN ('VARCHAR', 'BOOLEAN'))::BIGINT AS text,
      count(*) FILTER (WHERE t IN ('OBJECT', 'ARRAY'))::BIGINT AS other
    FROM (SELECT j.key, json_type(j.value) AS t, json_extract_string(j.value, '$') AS v
          FROM leads l, json_each(l.extras) j WHERE l.extras IS NOT NULL)
    GROUP BY key ORDER BY key`);
  const taken = new Set(spec.features.map((f) => f.name));
  const features: FeatureDef[] = [];
  const notes: string[] = [];
  const skipped: string[] = [];
  const used: string[] = [];
  for (const s of stats) {
    const present = Number(s.present);
    const distinct = Number(s.distinct);
    if (present === 0 || Number(s.other) > 0) {
      skipped.push(`"${s.key}" (${present === 0 ? 'always empty' : 'nested values'})`);
      continue;
    }
    const allNumbers = Number(s.numeric) === present;
    const idLike = distinct === present && present >= 20;
    let kind: 'numeric' | 'categorical';
    if (allNumbers) {
      if (idLike && Number(s.integral) === present) {
        skipped.push(`"${s.key}" (a different whole number on every lead: an ID)`);
        continue;
      }
      kind = 'numeric';
    } else {
      if (distinct > MAX_EXTRA_LEVELS) {
        skipped.push(`"${s.key}" (${distinct} distinct values: free text, dates or IDs)`);
        continue;
      }
      kind = 'categorical';
    }
    const name = uniqueName(featureName(s.key), taken);
    taken.add(name);
    features.push({ name, type: 'extra', kind, key: s.key, description: `source column "${s.key}"` });
    used.push(`${name} ("${s.key}", ${kind})`);
  }
  if (used.length) notes.push(`source columns beyond the CRM's own, used as features: ${used.join(', ')}`);
  if (skipped.length) notes.push(`source columns left out: ${skipped.join(', ')}`);
  return { features, notes };
}

/** `x_` + the key in lower snake case (a valid feature name). */
export function featureName(key: string): string {
  const snake = key
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 50);
  return `x_${snake || 'column'}`;
}

function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** The spec with `features` appended (a new object; the spec's own file label is not carried). */
export function withFeatures(spec: FeatureSpec, features: FeatureDef[]): FeatureSpec {
  if (features.length === 0) return spec;
  return { ...spec, features: [...spec.features, ...features] };
}
