import { describe, expect, it } from 'vitest';
import { bootstrapIntervals, bootstrapIntervalsParallel } from '../../src/evaluate/bootstrap.ts';
import { mulberry32 } from '../../src/random.ts';

/** Leads with a ranking probability, a tied points score and an MQL flag. */
function leads(n: number, seed: number) {
  const r = mulberry32(seed);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  const points = new Array<number>(n);
  const mql = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    p[i] = 0.01 + 0.3 * r();
    y[i] = r() < p[i] ? 1 : 0;
    points[i] = Math.round(100 * p[i] + 20 * (r() - 0.5)); // many ties
    mql[i] = points[i] > 20 ? 1 : 0;
  }
  const scores = {
    rules: { rank: points, probability: points.map((v) => Math.min(0.99, Math.max(0.01, v / 100))) },
    predictive: { rank: p, probability: p },
  };
  return { y, scores, mql };
}

describe('parallel bootstrap intervals', () => {
  it('equal the single-thread ones to the last bit, however the replicates split across workers', async () => {
    const { y, scores, mql } = leads(6_000, 4);
    const opts = { seed: 9, replicates: 37, mql };
    const sync = JSON.stringify(bootstrapIntervals(y, scores, opts));
    // 37 replicates over 2 and 3 workers: uneven ranges, each worker starting its stream mid-way
    for (const threads of [2, 3]) {
      const parallel = await bootstrapIntervalsParallel(y, scores, { ...opts, threads, minWork: 0 });
      expect(JSON.stringify(parallel)).toBe(sync);
    }
    // small work stays in this thread, with the same answer
    expect(JSON.stringify(await bootstrapIntervalsParallel(y, scores, opts))).toBe(sync);
  });

  it("reject with the worker's error when a worker fails", async () => {
    const { y, scores, mql } = leads(500, 5);
    const opts = { seed: 1, replicates: 4, mql: mql.slice(1) };
    expect(() => bootstrapIntervals(y, scores, opts)).toThrow(/mql has 499 values for 500 leads/);
    await expect(bootstrapIntervalsParallel(y, scores, { ...opts, threads: 2, minWork: 0 })).rejects.toThrow(
      /bootstrap worker failed: .*mql has 499 values for 500 leads/,
    );
  });
});
