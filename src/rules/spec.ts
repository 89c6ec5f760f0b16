import { resolveBundled } from '../bundled.ts';
import { quoteUnknownKey, readConfigFile } from '../config-file.ts';
import { z } from 'zod';
import { COLOURS, colourNamed } from '../schema/palette.ts';
import { ConfigError, closestName } from '../errors.ts';
import { normalize } from './spec-meaning.ts';
import type { RuleSet } from './types.ts';

/* ---------- the file's shape (zod); meaning is checked after, with key paths ---------- */

const Points = z.number().finite();
const Value = z.union([z.string(), z.number()]).transform(String);
const ValueList = z.array(Value).min(1);

const MatchKeys = {
  in: ValueList.optional(),
  not_in: ValueList.optional(),
  contains: z.array(z.string().min(1)).min(1).optional(),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  missing: z.boolean().optional(),
};

const RawCriterion = z.strictObject({
  name: z.string().min(1).optional(),
  attribute: z.string().optional(),
  activity: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  inactive_days: z.number().positive().optional(),
  ...MatchKeys,
  per: z.enum(['event', 'once', 'window']).optional(),
  max_count: z.number().int().positive().optional(),
  window: z.strictObject({ count: z.number().int().min(1), days: z.number().positive() }).optional(),
  within_days: z.number().positive().optional(),
  points: Points,
});
export type RawCriterion = z.infer<typeof RawCriterion>;

const RawExclusion = z.strictObject({
  name: z.string().min(1),
  reason: z.string().min(1).optional(),
  attribute: z.string(),
  ...MatchKeys,
});
export type RawExclusion = z.infer<typeof RawExclusion>;

const Cap = z.number().positive();
const Criteria = z.array(RawCriterion).default([]);

const RawRules = z.strictObject({
  version: z.literal(1).optional(),
  competitor_domains: z.array(z.string().min(1)).optional(),
  custom_activity_types: z.array(z.string().min(1)).optional(),
  fit: z.strictObject({ cap: Cap, criteria: Criteria }),
  engagement: z.strictObject({
    cap: Cap,
    decay: z
      .strictObject({
        half_life_days: z.number().positive().optional(),
        linear: z.strictObject({ points: z.number().positive(), every_days: z.number().positive() }).optional(),
      })
      .optional(),
    criteria: Criteria,
  }),
  negative: z.strictObject({ cap: Cap, criteria: Criteria }).optional(),
  exclusions: z.array(RawExclusion).default([]),
  total: z.strictObject({ cap: Cap.max(100) }).optional(),
  thresholds: z.strictObject({ mql: z.number().min(0).max(100), sql: z.number().min(0).max(100) }),
  bands: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        min: z.number().min(0).max(100),
        /** default: the shared palette's colour for the band's name (src/schema/palette.ts) */
        colour: z
          .string()
          .min(1)
          .refine((c) => colourNamed(c) !== undefined, {
            message: `unknown colour; use one of ${Object.keys(COLOURS).join(', ')} or #rrggbb`,
          })
          .optional(),
      }),
    )
    .min(1),
  grades: z.strictObject({
    fit: z.strictObject({ A: z.number().min(0), B: z.number().min(0), C: z.number().min(0), D: z.number().min(0) }),
    engagement: z.strictObject({
      1: z.number().min(0),
      2: z.number().min(0),
      3: z.number().min(0),
      4: z.number().min(0),
    }),
  }),
});
export type RawRules = z.infer<typeof RawRules>;

/** Every key the format knows, for "did you mean" on a misspelt key. */
const KNOWN_KEYS = [
  ...Object.keys(RawRules.shape),
  ...Object.keys(RawCriterion.shape),
  'cap',
  'criteria',
  'decay',
  'half_life_days',
  'linear',
  'every_days',
  'count',
  'days',
  'reason',
  'colour',
  'A',
  'B',
  'C',
  'D',
];

/* ---------- loading ---------- */

/** Read and validate a rules file (YAML); throws ConfigError naming the file and key path. */
export function loadRules(file: string): RuleSet {
  return parseRules(readConfigFile(file, 'rules file'), resolveBundled(file));
}

/** Validate an already-parsed rules object; `fileLabel` names it in error messages. */
export function parseRules(obj: unknown, fileLabel: string): RuleSet {
  const parsed = RawRules.safeParse(obj ?? {});
  if (!parsed.success) throw configError(fileLabel, parsed.error.issues.map(zodProblem));
  const problems: Problem[] = [];
  const rules = normalize(parsed.data, fileLabel, problems);
  if (problems.length) throw configError(fileLabel, problems);
  return rules;
}

/** One problem found in a rules file, at a key path. */
export interface Problem {
  path: string;
  message: string;
}

function configError(file: string, problems: Problem[]): ConfigError {
  const shown = problems.slice(0, 12).map((p) => `  - ${p.path || '(top level)'}: ${p.message}`);
  if (problems.length > shown.length) shown.push(`  ... and ${problems.length - shown.length} more`);
  const what = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new ConfigError(
    `${file}: ${what}:\n${shown.join('\n')}`,
    'fix the keys above; models/rules.yaml documents every key in its comments',
  );
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function zodProblem(issue: z.core.$ZodIssue): Problem {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    // at most one key is quoted, and only one that looks like a key: a file's lines must never be echoed
    const [first, ...rest] = issue.keys;
    const near = /^[A-Za-z0-9_ .-]{1,40}$/.test(first) ? closestName(first, KNOWN_KEYS) : undefined;
    const others = rest.length ? ` (and ${rest.length} other unknown key${rest.length > 1 ? 's' : ''})` : '';
    return {
      path,
      message: `unknown key ${quoteUnknownKey(first)}${near ? ` (did you mean "${near}"?)` : ''}${others}`,
    };
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return { path, message: `is required (${issue.expected})` };
  }
  return { path, message: issue.message };
}
