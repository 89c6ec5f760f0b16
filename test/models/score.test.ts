import { describe, expect, it } from 'vitest';
import { bandFor, percentiles, scoreFromProbability } from '../../src/models/score.ts';

describe('score helpers', () => {
  it('scores are round(100·p)', () => {
    expect(scoreFromProbability(0.374)).toBe(37);
    expect(scoreFromProbability(0.375)).toBe(38);
    expect(scoreFromProbability(0)).toBe(0);
    expect(scoreFromProbability(1)).toBe(100);
  });

  it('percentiles run 0-100 by rank, ties sharing their average rank', () => {
    expect(Array.from(percentiles([0.3, 0.1, 0.2, 0.2]))).toEqual([100, 0, 50, 50]);
    expect(Array.from(percentiles([0.7]))).toEqual([100]);
    expect(percentiles([])).toHaveLength(0);
  });

  it('bands use the default hot >= 50, warm >= 20 thresholds', () => {
    expect([50, 49, 20, 19, 0].map((s) => bandFor(s))).toEqual(['hot', 'warm', 'warm', 'cold', 'cold']);
  });

  it('bands accept custom thresholds in any order', () => {
    const bands = [
      { name: 'C', min: 0 },
      { name: 'A', min: 80 },
      { name: 'B', min: 40 },
    ];
    expect([95, 80, 79, 40, 3, -5].map((s) => bandFor(s, bands))).toEqual(['A', 'A', 'B', 'B', 'C', 'C']);
  });
});
