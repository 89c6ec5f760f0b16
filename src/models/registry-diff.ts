/** Two versions of a model side by side: parameters, features, metrics and windows. */
import { canonicalJson, readModelCard } from './artifact.ts';
import { DEFAULT_MODELS_ROOT, resolve } from './registry.ts';

/** One compared key in a diff. */
export interface DiffRow {
  key: string;
  a: unknown;
  b: unknown;
  changed: boolean;
  /** b - a for numeric values */
  delta?: number;
}

/** Two versions side by side: parameters, features, metrics, windows. */
export interface ModelDiff {
  a: string;
  b: string;
  parameters: DiffRow[];
  metrics: DiffRow[];
  windows: DiffRow[];
  features: { added: string[]; removed: string[]; schemaChanged: boolean; schemaHashes: [string, string] };
}

/** Parameters, features, metrics and windows of two versions side by side. */
export function diff(refA: string, refB: string, root: string = DEFAULT_MODELS_ROOT): ModelDiff {
  const a = resolve(refA, root);
  const b = resolve(refB, root);
  const ca = readModelCard(a.dir);
  const cb = readModelCard(b.dir);
  const colsA = new Set(ca.features.columns);
  const colsB = new Set(cb.features.columns);
  return {
    a: `${a.name}@${a.version}`,
    b: `${b.name}@${b.version}`,
    parameters: diffRows({ ...flatten(ca.parameters), seed: ca.seed }, { ...flatten(cb.parameters), seed: cb.seed }),
    metrics: diffRows(ca.metrics, cb.metrics),
    windows: diffRows(
      flatten({ training: ca.training_window, test: ca.test_window }),
      flatten({ training: cb.training_window, test: cb.test_window }),
    ),
    features: {
      added: cb.features.columns.filter((c) => !colsA.has(c)),
      removed: ca.features.columns.filter((c) => !colsB.has(c)),
      schemaChanged: ca.features.schema_hash !== cb.features.schema_hash,
      schemaHashes: [ca.features.schema_hash, cb.features.schema_hash],
    },
  };
}

function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const k = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, k));
    else out[k] = v;
  }
  return out;
}

function diffRows(a: Record<string, unknown>, b: Record<string, unknown>): DiffRow[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => {
    const changed = canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null);
    const row: DiffRow = { key, a: a[key], b: b[key], changed };
    if (typeof a[key] === 'number' && typeof b[key] === 'number') row.delta = (b[key] as number) - (a[key] as number);
    return row;
  });
}
