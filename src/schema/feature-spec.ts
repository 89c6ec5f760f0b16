import { z } from 'zod';
import { DEFAULT_COMPETITOR_DOMAINS } from './lexicon.ts';

/**
 * The shape of a features file (features/*.yaml): what is known about a lead as of a date. Plain JSON,
 * so a spec can be hashed and stored in a model artifact, whose card this schema also types.
 * Loading, reference checks and activity names are the feature layer's (src/features/spec.ts).
 */

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'use lower_snake_case: letters, digits and underscores, starting with a letter');

/** How a numeric feature is turned into a matrix column (applied at encoder fit and transform). */
export const NumericEncoding = z
  .object({
    /** sign-preserving log1p before standardizing (counts, money, durations) */
    log1p: z.boolean().default(false),
    /** clip raw values into [min, max] before the log */
    clip: z.object({ min: z.number().optional(), max: z.number().optional() }).strict().optional(),
    /** add a `<name>:missing` 0/1 column when the training split has missing values */
    missing_indicator: z.boolean().default(true),
  })
  .strict();
export type NumericEncoding = z.infer<typeof NumericEncoding>;

/** How a categorical feature is one-hot encoded: the levels are chosen on the training split. */
export const CategoricalEncoding = z
  .object({
    /** keep at most this many most-frequent levels; the rest go to `<other>` */
    top_k: z.number().int().positive().default(20),
    /** a level needs at least this many training rows to get its own column */
    min_count: z.number().int().nonnegative().default(10),
  })
  .strict();
export type CategoricalEncoding = z.infer<typeof CategoricalEncoding>;

const common = {
  name,
  description: z.string().optional(),
};
const numericOpts = { encoding: NumericEncoding.optional() };
const categoricalOpts = { encoding: CategoricalEncoding.optional() };

export const LEAD_ATTRIBUTE_COLUMNS = [
  'email',
  'company',
  'job_title',
  'industry',
  'company_size',
  'annual_revenue',
  'country',
  'lead_source',
] as const;

const AttributeFeature = z.discriminatedUnion('kind', [
  z
    .object({
      ...common,
      ...categoricalOpts,
      type: z.literal('attribute'),
      kind: z.literal('categorical'),
      column: z.enum(LEAD_ATTRIBUTE_COLUMNS),
    })
    .strict(),
  z
    .object({
      ...common,
      ...numericOpts,
      type: z.literal('attribute'),
      kind: z.literal('numeric'),
      column: z.enum(LEAD_ATTRIBUTE_COLUMNS),
    })
    .strict(),
]);

/** Attributes derived from the lead's own row by shared SQL (src/schema/derived-sql.ts). */
export const DERIVATIONS = {
  email_domain_kind: 'categorical',
  email_domain: 'categorical',
  seniority: 'categorical',
  department: 'categorical',
  company_size_band: 'categorical',
  revenue_band: 'categorical',
  region: 'categorical',
  disposable_email: 'numeric',
  competitor_email: 'numeric',
  free_email: 'numeric',
  student_title: 'numeric',
  lead_age_days: 'numeric',
} as const;
export type Derivation = keyof typeof DERIVATIONS;
const derivationNames = Object.keys(DERIVATIONS) as [Derivation, ...Derivation[]];

const DerivedFeature = z
  .object({
    ...common,
    ...numericOpts,
    type: z.literal('derived'),
    derive: z.enum(derivationNames),
    encoding: z.union([NumericEncoding, CategoricalEncoding]).optional(),
  })
  .strict();

export const ACTIVITY_AGGS = [
  'count',
  'distinct_days',
  'days_since_last',
  'days_since_first',
  'decayed_sum',
  'any',
] as const;
export type ActivityAgg = (typeof ACTIVITY_AGGS)[number];

const activityList = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const ActivityFeature = z
  .object({
    ...common,
    ...numericOpts,
    type: z.literal('activity'),
    /** activity types or group names (`all` = every activity) */
    activities: activityList,
    agg: z.enum(ACTIVITY_AGGS),
    /** only events in [as_of - window_days, as_of); omit for all time */
    window_days: z.number().positive().optional(),
    /** for decayed_sum: an event counts 1 now and 0.5 after this many days */
    half_life_days: z.number().positive().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.agg === 'decayed_sum' && f.half_life_days === undefined) {
      ctx.addIssue({ code: 'custom', path: ['half_life_days'], message: 'decayed_sum needs half_life_days (e.g. 14)' });
    }
    if (f.agg !== 'decayed_sum' && f.half_life_days !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['half_life_days'],
        message: `half_life_days only applies to agg: decayed_sum, not ${f.agg}`,
      });
    }
  });

const RatioFeature = z
  .object({
    ...common,
    ...numericOpts,
    type: z.literal('ratio'),
    /** names of two activity features defined in this file */
    numerator: name,
    denominator: name,
  })
  .strict();

const BurstFeature = z
  .object({
    ...common,
    ...numericOpts,
    type: z.literal('burst'),
    activities: activityList.default(['all']),
    /**
     * max_in_window: most events within any `seconds`-long window; rapid_count: events < `seconds` after the previous
     * one
     */
    agg: z.enum(['max_in_window', 'rapid_count']),
    seconds: z.number().positive(),
  })
  .strict();

const ExprFeature = z
  .object({
    ...common,
    type: z.literal('expr'),
    kind: z.enum(['numeric', 'categorical']).default('numeric'),
    /** a DuckDB SQL expression over the lead's row (leads table columns), run with file access disabled */
    sql: z
      .string()
      .min(1)
      .refine((s) => !s.includes(';'), 'one expression only: remove the ";"'),
    encoding: z.union([NumericEncoding, CategoricalEncoding]).optional(),
  })
  .strict();

/**
 * A column the source had beyond the canonical ones, kept in `leads.extras` (JSON) by ingest: a landing
 * page, a form field, a CRM custom property. `train` adds the low-cardinality and numeric ones itself
 * (see src/features/extras.ts); a features file can name them too.
 */
const ExtraFeature = z
  .object({
    ...common,
    type: z.literal('extra'),
    kind: z.enum(['numeric', 'categorical']),
    /** the key in leads.extras (the source column's name) */
    key: z.string().min(1).max(200),
    encoding: z.union([NumericEncoding, CategoricalEncoding]).optional(),
  })
  .strict();

export const FeatureDef = z.discriminatedUnion('type', [
  AttributeFeature,
  DerivedFeature,
  ActivityFeature,
  RatioFeature,
  BurstFeature,
  ExprFeature,
  ExtraFeature,
]);
export type FeatureDef = z.infer<typeof FeatureDef>;

export const FeatureSpec = z
  .object({
    version: z.literal(1).default(1),
    description: z.string().optional(),
    /** label horizon: converted = won within this many days after as_of */
    horizon_days: z.number().int().positive().default(90),
    competitor_domains: z.array(z.string().min(1)).default([...DEFAULT_COMPETITOR_DOMAINS]),
    /** named groups of activity types usable wherever an activity name is */
    activity_groups: z.record(name, z.array(z.string().min(1)).min(1)).default({}),
    features: z.array(FeatureDef).min(1),
    /** feature names to drop (e.g. flagged by the leakage audit) */
    exclude: z.array(z.string()).default([]),
  })
  .strict();
export type FeatureSpec = z.infer<typeof FeatureSpec>;
