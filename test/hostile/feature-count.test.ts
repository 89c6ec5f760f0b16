/**
 * #19 case 6: a features file with 3,000 features compiled for over 5 minutes with no output (300 took
 * 2.4 s): DuckDB's cost for many FILTERed aggregates in one GROUP BY grew with the square of their
 * number. The compiler now writes plain aggregates over CASE, which grow linearly; values are the same
 * (test/features/build.test.ts). Here: 3,000 features build, say what they are doing, and take about
 * six times as long as 500 (the old query took about 36 times as long, and minutes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLeadscore } from '../cli/run.ts';
import { smallCrm, tableStates, tempDir } from './helpers.ts';

let dir: string;
let db: string;

const TYPES = ['email_open', 'email_click', 'page_view', 'pricing_page_view', 'demo_request', 'webinar_attended'];
const AGGS = ['count', 'distinct_days', 'days_since_last', 'days_since_first', 'decayed_sum', 'any'];

/** A features file with `n` activity features over every aggregate, type and window. */
function featuresFile(n: number): string {
  const lines = ['version: 1', 'horizon_days: 90', 'features:'];
  for (let i = 0; i < n; i++) {
    const agg = AGGS[Math.floor(i / TYPES.length) % AGGS.length];
    const half = agg === 'decayed_sum' ? ', half_life_days: 7' : '';
    lines.push(
      `  - { name: f${i}, type: activity, activities: ${TYPES[i % TYPES.length]}, agg: ${agg}, ` +
        `window_days: ${1 + (i % 97)}${half} }`,
    );
  }
  const file = path.join(dir, `features-${n}.yaml`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function build(n: number): Promise<{ seconds: number; stderr: string; stdout: string; code: number }> {
  const started = performance.now();
  const r = await runLeadscore(
    ['features', 'build', '--db', db, '--features', featuresFile(n), '--as-of', '2025-06-01'].concat([
      '--into',
      `wide_${n}`,
      '--json',
    ]),
  );
  return { ...r, seconds: (performance.now() - started) / 1000 };
}

beforeAll(async () => {
  dir = tempDir();
  db = await smallCrm(dir);
});

describe('a features file with thousands of features', () => {
  it('3,000 features build in linear time, with progress, leaving the CRM tables as they were', async () => {
    const before = await tableStates(db, ['leads', 'activities', 'outcomes']);
    const small = await build(500);
    expect(small.code).toBe(0);
    const wide = await build(3000);
    expect(wide.code).toBe(0);
    expect(JSON.parse(wide.stdout).columns).toBe(3000);
    expect(wide.stderr).toMatch(/features build: features as of 1 date\(s\) into wide_3000/);
    expect(wide.seconds).toBeLessThan(100);
    expect(wide.seconds / Math.max(small.seconds, 1)).toBeLessThan(15);
    expect(await tableStates(db, ['leads', 'activities', 'outcomes'])).toEqual(before);
  }, 300_000);
});
