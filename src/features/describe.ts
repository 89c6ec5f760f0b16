import type { EncoderState } from './encoders.ts';
import { describeWith } from './describe-value.ts';
import { num } from './describe-words.ts';
import type { FeatureDef, FeatureSpec } from './spec.ts';

/**
 * Feature values and factors in words a sales rep understands, for the reasons next to a score:
 * "visited the pricing page 3 times in the last 7 days", "no activity for 94 days", "company of 201-1000
 * employees, revenue 10M-100M". Never a feature's id, never a ratio of two features: a factor's words are chosen
 * from the plain counts, days and attributes among its features.
 *
 * The vocabulary is in describe-words.ts, single values in describe-value.ts, factors in describe-factor.ts.
 */

export { factorDescriber } from './describe-factor.ts';
export type { FactorDescriber } from './describe-factor.ts';

/** A feature's definition, from a fitted model's encoders or from the spec. */
function findDef(source: EncoderState | FeatureSpec, name: string): FeatureDef | undefined {
  if ('version' in source && 'columns' in source && Array.isArray((source as EncoderState).columns)) {
    return (source as EncoderState).features.find((f) => f.name === name)?.def;
  }
  return (source as FeatureSpec).features.find((f) => f.name === name);
}

/**
 * Describe one feature value in plain words. `source` is a fitted EncoderState (carries the definitions) or the
 * spec (which also resolves activity groups); `context` may hold the lead row (e.g. email) for detail.
 */
export function describeFeature(
  source: EncoderState | FeatureSpec,
  featureName: string,
  rawValue: unknown,
  context: Record<string, unknown> = {},
): string {
  const groups = 'activity_groups' in source ? (source as FeatureSpec).activity_groups : {};
  return describeWith(findDef(source, featureName), featureName, rawValue, context, groups);
}

/**
 * describeFeature for one feature, its definition looked up once: for describing a column's values by the
 * million (a lookup per value was a scan of the spec's features).
 */
export function featureDescriber(
  source: EncoderState | FeatureSpec,
  featureName: string,
): (rawValue: unknown) => string {
  const def = findDef(source, featureName);
  const groups = 'activity_groups' in source ? (source as FeatureSpec).activity_groups : {};
  return (rawValue) => describeWith(def, featureName, rawValue, {}, groups);
}

/** Words for the rule term of the blend: the points score against the MQL line. */
export function rulesPhrase(points: number, mql: number | null): string {
  const p = Math.round(points);
  if (mql === null) return `points score ${p} of 100`;
  return `points score ${p}, ${p >= mql ? 'at or above' : 'below'} the MQL line of ${num(mql)}`;
}
