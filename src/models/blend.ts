/**
 * Stacking meta-model: a small L2 logistic regression on transformed base-model outputs
 * (e.g. logit of the logistic and neural probabilities, rule score / 100), fitted on out-of-fold
 * base predictions only (scoring-model.ts) so it learns how much to trust each base model out of sample.
 */
import { z } from 'zod';
import { ConfigError, DataError } from '../errors.ts';
import { denseMatrix } from '../schema/matrix.ts';
import { logit } from './link.ts';
import { LogisticRegression, LogisticStateSchema, type LogisticState } from './logistic.ts';
import { parseParams } from './estimator-kit.ts';

/** How a base input enters the blend: 'logit' for probabilities, 'scale100' for 0-100 points. */
export type BlendTransform = 'logit' | 'scale100';

/** One base model's output for every row, by name. */
export interface BaseInput {
  name: string;
  values: Float64Array;
  transform: BlendTransform;
}

export const BlendParamsSchema = z
  .object({
    /** inverse L2 strength of the meta-model; moderate so one base model cannot take all the weight on a small split */
    C: z.number().positive().finite().default(1),
  })
  .strict();
export type BlendParams = z.infer<typeof BlendParamsSchema>;

export const BlendStateSchema = z
  .object({
    inputs: z.array(z.object({ name: z.string(), transform: z.enum(['logit', 'scale100']) }).strict()).min(1),
    logistic: LogisticStateSchema,
  })
  .strict();
export type BlendState = z.infer<typeof BlendStateSchema>;

export interface BlendJSON {
  kind: 'blend';
  params: BlendParams;
  state: BlendState;
}

/** Apply a blend transform to one value. */
export function transformValue(value: number, transform: BlendTransform): number {
  return transform === 'logit' ? logit(value) : value / 100;
}

/** The stacking blender. */
export class StackingBlender {
  readonly kind = 'blend' as const;
  readonly params: BlendParams;
  state: BlendState | null = null;

  /** Validate params; nothing else. */
  constructor(params: z.input<typeof BlendParamsSchema> = {}) {
    this.params = parseParams(BlendParamsSchema, params, 'blend');
  }

  /** Fit the meta-model on out-of-sample base outputs and their labels. */
  fit(inputs: BaseInput[], y: Uint8Array, sampleWeight?: Float64Array): this {
    const spec = inputs.map(({ name, transform }) => ({ name, transform }));
    const names = new Set(spec.map((s) => s.name));
    if (spec.length === 0) throw new ConfigError('blend needs at least one base input');
    if (names.size !== spec.length)
      throw new ConfigError(`blend input names must be unique, got ${spec.map((s) => s.name).join(', ')}`);
    const X = buildMatrix(inputs, spec, y.length);
    const model = new LogisticRegression({ C: this.params.C }).fit(X, y, { sampleWeight });
    this.state = { inputs: spec, logistic: model.state as LogisticState };
    return this;
  }

  /** Blended probability per row; inputs are matched by name, so their order does not matter. */
  predictProba(inputs: BaseInput[]): Float64Array {
    const state = this.fitted();
    const rows = inputs[0]?.values.length ?? 0;
    return this.model(state).predictProba(buildMatrix(inputs, state.inputs, rows));
  }

  /** Meta-model coefficient per input name (on the transformed scale), for reporting. */
  weights(): Record<string, number> {
    const state = this.fitted();
    return Object.fromEntries(state.inputs.map((s, j) => [s.name, state.logistic.coef[j]]));
  }

  /** Meta-model intercept. */
  intercept(): number {
    return this.fitted().logistic.intercept;
  }

  /** Serialize params and state. */
  toJSON(): BlendJSON {
    const s = this.fitted();
    return {
      kind: 'blend',
      params: { ...this.params },
      state: { inputs: s.inputs.map((i) => ({ ...i })), logistic: { ...s.logistic, coef: [...s.logistic.coef] } },
    };
  }

  /** Rebuild from toJSON() output. */
  static fromJSON(json: unknown): StackingBlender {
    const j = json as Partial<BlendJSON> | null;
    if (!j || j.kind !== 'blend')
      throw new ConfigError(`expected a model of kind 'blend', got ${JSON.stringify(j?.kind)}`);
    const b = new StackingBlender(j.params);
    b.state = parseParams(BlendStateSchema, j.state, 'blend state');
    return b;
  }

  private model(state: BlendState): LogisticRegression {
    const m = new LogisticRegression({ C: this.params.C });
    m.state = state.logistic;
    return m;
  }

  private fitted(): BlendState {
    if (!this.state) throw new DataError('blend is not fitted: call fit() first');
    return this.state;
  }
}

/** Transformed inputs as a rows × k matrix, columns in `spec` order (looked up by name). */
function buildMatrix(inputs: BaseInput[], spec: BlendState['inputs'], rows: number) {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const k = spec.length;
  const data = new Float32Array(rows * k);
  spec.forEach((s, j) => {
    const input = byName.get(s.name);
    if (!input)
      throw new DataError(`blend input '${s.name}' is missing; got ${[...byName.keys()].join(', ') || 'none'}`);
    if (input.transform !== s.transform)
      throw new DataError(`blend input '${s.name}' uses transform '${input.transform}', fitted with '${s.transform}'`);
    if (input.values.length !== rows)
      throw new DataError(`blend input '${s.name}' has ${input.values.length} rows, expected ${rows}`);
    for (let i = 0; i < rows; i++) data[i * k + j] = transformValue(input.values[i], s.transform);
  });
  return denseMatrix(
    data,
    rows,
    k,
    spec.map((s) => s.name),
  );
}
