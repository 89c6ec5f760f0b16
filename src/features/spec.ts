import fs from 'node:fs';
import { resolveBundled } from '../bundled.ts';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, closestName } from '../errors.ts';
import { ACTIVITY_TYPES, DEFAULT_COMPETITOR_DOMAINS } from '../schema/index.ts';

/**
 * Feature definitions (features/*.yaml): what is known about a lead as of a date.
 * The spec is plain JSON (so it can be hashed and stored in a model artifact); the file it came from
 * is remembered on the side, for error messages.
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

// zod 4 nests discriminated unions: attribute is itself split on `kind`
const FEATURE_SCHEMAS = [
  AttributeFeature.options[0],
  AttributeFeature.options[1],
  DerivedFeature,
  ActivityFeature,
  RatioFeature,
  BurstFeature,
  ExprFeature,
] as const;

export const FeatureDef = z.discriminatedUnion('type', [
  AttributeFeature,
  DerivedFeature,
  ActivityFeature,
  RatioFeature,
  BurstFeature,
  ExprFeature,
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

/** The kind (numeric or categorical) of a feature's raw values. */
export function featureKind(f: FeatureDef): 'numeric' | 'categorical' {
  switch (f.type) {
    case 'attribute':
    case 'expr':
      return f.kind;
    case 'derived':
      return DERIVATIONS[f.derive];
    default:
      return 'numeric';
  }
}

/** The features that are built (definitions minus `exclude`), in file order. */
export function activeFeatures(spec: FeatureSpec): FeatureDef[] {
  const drop = new Set(spec.exclude);
  return spec.features.filter((f) => !drop.has(f.name));
}

const sources = new WeakMap<object, string>();

/** The file a spec was loaded from (for error messages), or a generic label. */
export function specSource(spec: FeatureSpec): string {
  return sources.get(spec) ?? 'features spec';
}

/** Load and validate a features YAML file; activity names are checked against ACTIVITY_TYPES plus `knownActivities`. */
export function loadFeatureSpec(file: string, opts: { knownActivities?: readonly string[] } = {}): FeatureSpec {
  file = resolveBundled(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `features file not found: ${file}`,
      'pass --features with a path to a YAML file, e.g. features/default.yaml',
    );
  }
  let obj: unknown;
  try {
    obj = parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `${file}: not valid YAML: ${(err as Error).message}`,
      'fix the YAML syntax (indentation, colons, quotes)',
    );
  }
  return parseFeatureSpec(obj, file, opts);
}

/** Validate a parsed features object; `fileLabel` names it in errors. */
export function parseFeatureSpec(
  obj: unknown,
  fileLabel: string,
  opts: { knownActivities?: readonly string[] } = {},
): FeatureSpec {
  const parsed = FeatureSpec.safeParse(obj);
  if (!parsed.success) throw configErrorFromZod(parsed.error, obj, fileLabel);
  const spec = parsed.data;
  sources.set(spec, fileLabel);
  checkReferences(spec, fileLabel, obj);
  validateActivityNames(spec, opts.knownActivities ?? []);
  return spec;
}

/**
 * Check every activity name in the spec against ACTIVITY_TYPES ∪ known ∪ groups; throws a ConfigError with a
 * suggestion.
 */
export function validateActivityNames(spec: FeatureSpec, known: readonly string[]): void {
  const file = specSource(spec);
  const groups = Object.keys(spec.activity_groups);
  const vocabulary = [...new Set([...ACTIVITY_TYPES, ...known])];
  const check = (n: string, where: string, allowGroups: boolean) => {
    if (n === 'all' && allowGroups) return;
    if (vocabulary.includes(n) || (allowGroups && groups.includes(n))) return;
    const candidates = allowGroups ? [...vocabulary, ...groups, 'all'] : vocabulary;
    const guess = closestName(n, candidates);
    throw new ConfigError(
      `${file}: ${where}: unknown activity "${n}"`,
      guess ? `did you mean "${guess}"? (known: ${candidates.join(', ')})` : `use one of: ${candidates.join(', ')}`,
    );
  };
  for (const [g, types] of Object.entries(spec.activity_groups))
    types.forEach((t, i) => check(t, `activity_groups.${g}[${i}]`, false));
  spec.features.forEach((f, i) => {
    if (f.type === 'activity' || f.type === 'burst')
      f.activities.forEach((a, j) => check(a, `features[${i}] (${f.name}).activities[${j}]`, true));
  });
}

function checkReferences(spec: FeatureSpec, file: string, _raw: unknown): void {
  const seen = new Map<string, number>();
  spec.features.forEach((f, i) => {
    if (seen.has(f.name)) {
      throw new ConfigError(
        `${file}: features[${i}].name: "${f.name}" is already used by features[${seen.get(f.name)}]`,
        'give every feature a unique name',
      );
    }
    if (['lead_id', 'as_of', 'label'].includes(f.name) || f.name.startsWith('_')) {
      throw new ConfigError(`${file}: features[${i}].name: "${f.name}" is reserved`, 'pick another name');
    }
    seen.set(f.name, i);
  });
  const byName = new Map(spec.features.map((f) => [f.name, f]));
  spec.features.forEach((f, i) => {
    if (f.type !== 'ratio') return;
    for (const key of ['numerator', 'denominator'] as const) {
      const ref = byName.get(f[key]);
      if (!ref || ref.type !== 'activity') {
        const actNames = spec.features.filter((x) => x.type === 'activity').map((x) => x.name);
        const guess = closestName(f[key], actNames);
        throw new ConfigError(
          `${file}: features[${i}] (${f.name}).${key}: "${f[key]}" is not an activity feature in this file`,
          guess ? `did you mean "${guess}"?` : 'name an activity feature defined under features:',
        );
      }
    }
  });
  spec.exclude.forEach((n, i) => {
    if (!byName.has(n)) {
      const guess = closestName(n, [...byName.keys()]);
      throw new ConfigError(
        `${file}: exclude[${i}]: no feature named "${n}"`,
        guess ? `did you mean "${guess}"?` : 'list names from features:',
      );
    }
  });
  spec.features.forEach((f, i) => {
    if ((f.type !== 'derived' && f.type !== 'expr') || !f.encoding) return;
    // the encoding union picks numeric or categorical options; they must match the feature's kind
    const kind = featureKind(f);
    const isNumeric = 'log1p' in f.encoding;
    if (isNumeric !== (kind === 'numeric')) {
      throw new ConfigError(
        `${file}: features[${i}] (${f.name}).encoding: this feature is ${kind}, so its encoding options must be ${kind === 'numeric' ? 'log1p / clip / missing_indicator' : 'top_k / min_count'}`,
        'change the encoding keys or the feature kind',
      );
    }
  });
}

/** Turn a zod error into one ConfigError naming the file, the key path (with the feature's name) and a fix. */
function configErrorFromZod(error: z.ZodError, raw: unknown, file: string): ConfigError {
  const issue = error.issues[0];
  const keyPath = formatPath(issue.path, raw);
  let hint = 'see features/default.yaml for a complete example';
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const parentKeys = knownKeysAt(issue.path, raw);
    const key = issue.keys[0];
    const guess = parentKeys ? closestName(key, parentKeys) : undefined;
    message = `unknown key "${key}"`;
    hint = guess ? `did you mean "${guess}"?` : parentKeys ? `allowed keys: ${parentKeys.join(', ')}` : hint;
  } else if (issue.code === 'invalid_union' || (issue.code === 'invalid_value' && issue.path.at(-1) === 'type')) {
    message = `${issue.message}`;
    hint =
      'type must be one of: attribute, derived, activity, ratio, burst, expr (attribute also needs kind: numeric|categorical)';
  } else if (issue.code === 'invalid_type') {
    message = issue.message;
  }
  return new ConfigError(`${file}: ${keyPath || '(top level)'}: ${message}`, hint);
}

function formatPath(p: readonly PropertyKey[], raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const seg of p) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      node = Array.isArray(node) ? node[seg] : undefined;
      const n = node && typeof node === 'object' ? (node as Record<string, unknown>).name : undefined;
      if (typeof n === 'string') out += ` (${n})`;
    } else {
      out += (out ? '.' : '') + String(seg);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg as string] : undefined;
    }
  }
  return out;
}

// The allowed keys of the object at a path, for "did you mean" on a misspelt key.
function knownKeysAt(p: readonly PropertyKey[], raw: unknown): string[] | undefined {
  if (p.length === 0) return Object.keys(FeatureSpec.shape);
  if (p[0] === 'features' && typeof p[1] === 'number' && p.length === 2) {
    const node = (raw as { features?: Array<{ type?: string; kind?: string }> }).features?.[p[1]];
    const schema = FEATURE_SCHEMAS.find((o) => {
      const s = o.shape as Record<string, z.ZodType>;
      const t = (s.type as z.ZodLiteral<string>).value;
      const k = s.kind instanceof z.ZodLiteral ? (s.kind as z.ZodLiteral<string>).value : undefined;
      return t === node?.type && (k === undefined || k === node?.kind);
    });
    return schema ? Object.keys(schema.shape) : undefined;
  }
  if (p.at(-1) === 'encoding')
    return [...Object.keys(NumericEncoding.shape), ...Object.keys(CategoricalEncoding.shape)];
  return undefined;
}
