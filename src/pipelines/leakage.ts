import { DataError } from '../errors.ts';
import { auditLeakage, type FeatureFrame } from '../features/index.ts';

/** A column left out of training, and why. */
export interface ExcludedColumn {
  column: string;
  reason: string;
}

/**
 * Run the leakage audit on the training split and drop every suspected column (or fail, with
 * --fail-on-leakage). Suspected columns are excluded by default because a model that uses them
 * looks far better in training than it can be on a new lead.
 */
export function auditAndExclude<S>(
  frame: FeatureFrame,
  trainIdx: Int32Array,
  spec: S,
  failOnLeakage: boolean,
): { spec: S; excluded: ExcludedColumn[] } {
  const report = auditLeakage(frame, trainIdx, {});
  const excluded = report.suspected.map((s) => ({ column: s.column, reason: s.reason }));
  if (failOnLeakage && excluded.length > 0) {
    throw new DataError(
      `suspected leakage in ${excluded.length} column(s): ${excluded.map((e) => `${e.column} (${e.reason})`).join('; ')}`,
      'drop them with `exclude:` in the features file (or --exclude for flat files), or run without --fail-on-leakage to exclude them automatically',
    );
  }
  const spec2 = withExcluded(
    spec,
    excluded.map((e) => e.column),
  );
  return { spec: spec2, excluded };
}

function withExcluded<S>(spec: S, columns: string[]): S {
  if (columns.length === 0 || spec === null || typeof spec !== 'object') return spec;
  const s = spec as unknown as { exclude?: string[] };
  if (!Array.isArray(s.exclude)) return spec;
  return { ...spec, exclude: [...new Set([...s.exclude, ...columns])] } as S;
}
