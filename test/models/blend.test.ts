import { describe, expect, it } from 'vitest';
import { StackingBlender, type BaseInput } from '../../src/models/blend.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { ConfigError, DataError } from '../../src/errors.ts';

const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** A validation split where 'logistic' carries the signal, 'neural' is noise and the rule score is weakly useful. */
function validationSplit(n: number, seed: number): { inputs: BaseInput[]; y: Uint8Array } {
  const rnd = mulberry32(seed);
  const logistic = new Float64Array(n);
  const neural = new Float64Array(n);
  const rules = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const signal = rnd() * 6 - 3;
    logistic[i] = sig(signal);
    neural[i] = rnd();
    rules[i] = Math.round(Math.min(100, Math.max(0, 50 + 10 * signal + 30 * (rnd() - 0.5))));
    y[i] = rnd() < sig(1.2 * signal - 0.4) ? 1 : 0;
  }
  return {
    inputs: [
      { name: 'logistic', values: logistic, transform: 'logit' },
      { name: 'neural', values: neural, transform: 'logit' },
      { name: 'rules', values: rules, transform: 'scale100' },
    ],
    y,
  };
}

describe('StackingBlender', () => {
  const { inputs, y } = validationSplit(4000, 1);
  const blend = new StackingBlender().fit(inputs, y);

  it('puts its weight on the informative input and about none on noise', () => {
    const w = blend.weights();
    expect(Object.keys(w)).toEqual(['logistic', 'neural', 'rules']);
    expect(w.logistic).toBeGreaterThan(0.8);
    expect(Math.abs(w.neural)).toBeLessThan(0.1);
  });

  it('beats its inputs on log loss and ignores the order inputs are passed in', () => {
    const p = blend.predictProba([...inputs].reverse());
    expect(Array.from(p)).toEqual(Array.from(blend.predictProba(inputs)));
    const ll = (q: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < y.length; i++) s -= y[i] ? Math.log(q[i]) : Math.log(1 - q[i]);
      return s / y.length;
    };
    expect(ll(p)).toBeLessThan(ll(inputs[0].values));
  });

  it('round-trips through JSON', () => {
    const copy = StackingBlender.fromJSON(JSON.parse(JSON.stringify(blend.toJSON())));
    expect(copy.weights()).toEqual(blend.weights());
    expect(copy.intercept()).toBe(blend.intercept());
    expect(Array.from(copy.predictProba(inputs))).toEqual(Array.from(blend.predictProba(inputs)));
  });

  it('names what is wrong with its inputs', () => {
    expect(() => blend.predictProba(inputs.slice(0, 2))).toThrow(/'rules' is missing/);
    expect(() => blend.predictProba([inputs[0], inputs[1], { ...inputs[2], transform: 'logit' }])).toThrow(DataError);
    expect(() => new StackingBlender().fit([inputs[0], inputs[0]], y)).toThrow(ConfigError);
    expect(() => new StackingBlender({ C: 0 })).toThrow(ConfigError);
  });
});
