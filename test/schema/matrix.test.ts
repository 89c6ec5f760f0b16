import { describe, expect, it } from 'vitest';
import { denseMatrix, takeRows } from '../../src/schema/matrix.ts';

const X = denseMatrix(
  Float32Array.from({ length: 12 }, (_, k) => k),
  4,
  3,
  ['a', 'b', 'c'],
);

describe('takeRows', () => {
  it('picks rows in the order given', () => {
    const m = takeRows(X, [3, 0, 3]);
    expect(Array.from(m.data)).toEqual([9, 10, 11, 0, 1, 2, 9, 10, 11]);
    expect(m.rows).toBe(3);
    expect(m.data.buffer).not.toBe(X.data.buffer);
  });

  it('returns consecutive rows as a view of the same values, without a copy', () => {
    const m = takeRows(X, Int32Array.from([1, 2]));
    expect(Array.from(m.data)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(m.data.buffer).toBe(X.data.buffer);
    expect(takeRows(X, []).rows).toBe(0);
  });
});
