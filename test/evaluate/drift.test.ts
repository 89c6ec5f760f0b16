import { describe, expect, it } from 'vitest';
import { categoricalProfile, numericProfile, psiAgainst, psiFromShares } from '../../src/evaluate/drift.ts';
import { mulberry32 } from '../../src/models/random.ts';

describe('drift (PSI)', () => {
  it('matches the textbook formula on a hand-computed case', () => {
    // (0.3-0.5)ln(0.3/0.5) + (0.7-0.5)ln(0.7/0.5)
    expect(psiFromShares([0.5, 0.5], [0.3, 0.7])).toBeCloseTo(-0.2 * Math.log(0.6) + 0.2 * Math.log(1.4), 12);
  });

  it('is near 0 for a sample from the same distribution and large for a shifted one', () => {
    const rand = mulberry32(5);
    const draw = (shift: number) => Float64Array.from({ length: 5000 }, () => rand() * 10 + shift);
    const profile = numericProfile(draw(0));
    expect(psiAgainst(profile, draw(0))).toBeLessThan(0.02);
    expect(psiAgainst(profile, draw(3))).toBeGreaterThan(0.25);
  });

  it('counts missing values and unseen levels as their own bins', () => {
    const profile = categoricalProfile(['a', 'a', 'b', null]);
    expect(profile.shares).toEqual([0.5, 0.25, 0, 0.25]);
    expect(psiAgainst(profile, ['a', 'a', 'b', null])).toBeCloseTo(0, 12);
    expect(psiAgainst(profile, ['c', 'c', 'c', 'c'])).toBeGreaterThan(1);
    const num = numericProfile(Float64Array.from([1, 2, 3, NaN]), 2);
    expect(num.shares[num.shares.length - 1]).toBe(0.25);
  });
});
