import { describe, expect, it } from 'vitest';
import { fitEncoders, transform, type FeatureFrame } from '../../src/features/index.ts';
import { quantileEdges } from '../../src/features/encoders.ts';

function frame(values: number[]): FeatureFrame {
  return {
    ids: values.map((_, i) => `r${i}`),
    asOf: new Float64Array(values.length).fill(NaN),
    label: Uint8Array.from(values, (_, i) => i % 2),
    columns: [{ name: 'x', kind: 'numeric', values: Float64Array.from(values) }],
  };
}

describe('numeric quantile bins', () => {
  it('cut at training quantiles only: test rows move no edge', () => {
    const f = frame([1, 2, 3, 4, 5, 6, 7, 8, 1000, 2000]);
    const train = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const state = fitEncoders(f, train, undefined, { numericBins: 4 });
    const x = state.features[0];
    expect(x.kind === 'numeric' && x.binEdges).toEqual([3, 5, 7]); // from 1..8, not 1000/2000
    expect(state.columns).toEqual(['x', 'x#bin0', 'x#bin1', 'x#bin2', 'x#bin3']);
    const { matrix } = transform(JSON.parse(JSON.stringify(state)), f);
    const bins = (r: number) => Array.from(matrix.data.subarray(r * matrix.cols + 1, (r + 1) * matrix.cols));
    expect(bins(0)).toEqual([1, 0, 0, 0]);
    expect(bins(2)).toEqual([0, 1, 0, 0]); // 3 is the first edge: bin 1 holds [3, 5)
    expect(bins(9)).toEqual([0, 0, 0, 1]); // beyond the training range: last bin
  });

  it('missing values get no bin (the indicator speaks for them); ties collapse edges', () => {
    const f = frame([0, 0, 0, 0, 0, 0, 1, 2, NaN, 5]);
    const state = fitEncoders(
      f,
      Int32Array.from({ length: 10 }, (_, i) => i),
      undefined,
      { numericBins: 10 },
    );
    expect(state.columns).toEqual(['x', 'x:missing', 'x#bin0', 'x#bin1', 'x#bin2', 'x#bin3']);
    const { matrix } = transform(state, f);
    expect(Array.from(matrix.data.subarray(8 * matrix.cols, 9 * matrix.cols))).toEqual([0, 1, 0, 0, 0, 0]);
    expect(quantileEdges(Float64Array.from([NaN, NaN]), 5)).toEqual([]);
  });

  it('are off unless asked for', () => {
    const f = frame([1, 2, 3, 4]);
    expect(fitEncoders(f, [0, 1, 2, 3]).columns).toEqual(['x']);
  });
});
