/** Helpers of ScoringModel.fit and predict (scoring-model.ts): member outputs, blend inputs, cross-fit groups. */
import type { DenseMatrix } from '../schema/matrix.ts';
import { DataError } from '../errors.ts';
import type { BaseInput } from './blend.ts';
import { stratifiedFolds } from './random.ts';
import type { ScoringParts } from './scoring-types.ts';

/** Each member's probabilities for the rows of X, by name. */
export function predictMembers(members: ScoringParts['members'], X: DenseMatrix): Record<string, Float64Array> {
  return Object.fromEntries(members.map((m) => [m.name, m.estimator.predictProba(X)]));
}

/** The blend's inputs in member order (logits), with the rule points last when there are any. */
export function blendInputs(
  members: ScoringParts['members'],
  base: Record<string, Float64Array>,
  rules: Float64Array | null,
): BaseInput[] {
  return blendInputsOf(
    members.map((m) => m.name),
    base,
    rules,
  );
}

/** The blend's inputs for the named members (logits), with the rule points last when there are any. */
export function blendInputsOf(
  names: string[],
  base: Record<string, Float64Array>,
  rules: Float64Array | null,
): BaseInput[] {
  const inputs: BaseInput[] = names.map((name) => {
    const values = base[name];
    if (!values) throw new DataError(`no predictions of base model '${name}' to blend`);
    return { name, values, transform: 'logit' };
  });
  if (rules) inputs.push({ name: 'rules', values: rules, transform: 'scale100' });
  return inputs;
}

/** Groups the blend is cross-fitted over for the calibrator's rows. */
export const CROSS_FIT_GROUPS = 5;

/** Group of each out-of-fold row: by `group` (e.g. a lead hash) when given, else stratified and seeded. */
export function crossFitGroups(
  rows: Int32Array,
  y: Uint8Array,
  group: Int32Array | undefined,
  seed: number,
): Uint8Array {
  if (group) return Uint8Array.from(rows, (i) => ((group[i] % CROSS_FIT_GROUPS) + CROSS_FIT_GROUPS) % CROSS_FIT_GROUPS);
  return stratifiedFolds(y, CROSS_FIT_GROUPS, seed);
}

/** Work of one fold fit per row: the iterations it ran when its kind reports them (trees), else 1. */
export function workUnits(tuning: unknown): number {
  const t = tuning as { work?: unknown } | null | undefined;
  return typeof t?.work === 'number' && t.work > 0 ? t.work : 1;
}

/** Rounded to 6 decimals, for the model card. */
export const round = (x: number) => Math.round(x * 1e6) / 1e6;
