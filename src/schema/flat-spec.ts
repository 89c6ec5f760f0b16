import { z } from 'zod';
import { CategoricalEncoding, NumericEncoding } from './feature-spec.ts';

/**
 * Flat tables (one row per lead, a target column): the defaults every reader of one shares (training,
 * the leakage audit, ingest), and the optional YAML that overrides them. One place, so `features audit
 * --data` audits the same table `train --data` trains on.
 */

/**
 * Source values read as missing. Only empty cells: a form placeholder such as "Select" is a behaviour
 * (the lead skipped the field), which a model can learn from, not an unknown.
 */
export const FLAT_MISSING_VALUES: readonly string[] = [''];

/** Target values meaning "converted" (case-insensitive), in the order a two-valued target is matched. */
export const POSITIVE_LABELS: readonly string[] = ['1', 'yes', 'true', 'y', 'won', 'converted'];

/** Target values meaning "not converted" (case-insensitive). */
export const NEGATIVE_LABELS: readonly string[] = ['0', 'no', 'false', 'n', 'lost', 'not converted'];

const ColumnOverride = z.union([
  z.literal('exclude'),
  z
    .object({
      kind: z.enum(['numeric', 'categorical']),
      encoding: z.union([NumericEncoding.partial(), CategoricalEncoding.partial()]).optional(),
    })
    .strict(),
]);

/** Optional YAML for a flat table: target, id, placeholders, per-column overrides, exclusions. */
export const FlatSpec = z
  .object({
    target: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    positive: z.string().optional(),
    missing_values: z.array(z.string()).default([...FLAT_MISSING_VALUES]),
    columns: z.record(z.string(), ColumnOverride).default({}),
    exclude: z.array(z.string()).default([]),
  })
  .strict();
export type FlatSpec = z.infer<typeof FlatSpec>;
