import { describe, expect, it } from 'vitest';
import {
  describeFeature,
  fitEncoders,
  loadFeatureSpec,
  stratifiedSplit,
  timeSplit,
  transform,
  type FeatureFrame,
} from '../../src/features/index.ts';
import path from 'node:path';

const DAY = 86_400_000;

function frame(): FeatureFrame {
  return {
    ids: ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'],
    asOf: new Float64Array(6),
    label: Uint8Array.from([0, 1, 0, 1, 0, 1]),
    columns: [
      {
        name: 'visits',
        kind: 'numeric',
        values: Float64Array.from([1, 3, NaN, 5, 100, 7]),
        encoding: { clip: { max: 10 } },
      },
      {
        name: 'industry',
        kind: 'categorical',
        values: ['software', 'software', null, 'retail', 'retail', 'mining'],
        encoding: { min_count: 1 },
      },
    ],
  };
}

describe('encoders', () => {
  it('learn only from the training rows: a category seen only in test maps to <other>', () => {
    const f = frame();
    const train = Int32Array.from([0, 1, 2, 3]);
    const state = fitEncoders(f, train);
    const ind = state.features.find((e) => e.name === 'industry')!;
    expect(ind.kind === 'categorical' && ind.levels).toEqual(['software', 'retail']); // not mining (row 5 is test)
    expect(state.columns).toEqual([
      'visits',
      'visits:missing',
      'industry=software',
      'industry=retail',
      'industry=<other>',
      'industry=<missing>',
    ]);
    // mean/std from train rows 0,1,3 only (row 2 missing): values 1,3,5 -> mean 3, std 2
    const v = state.features[0];
    expect(v.kind === 'numeric' && [v.mean, v.std]).toEqual([3, 2]);
    const { matrix, source } = transform(JSON.parse(JSON.stringify(state)), f); // survives JSON
    const row = (r: number) => Array.from(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols));
    expect(row(5)).toEqual([2, 0, 0, 0, 1, 0]); // mining -> <other>; 7 -> (7-3)/2
    expect(row(2)).toEqual([0, 1, 0, 0, 0, 1]); // missing number -> 0 + indicator; null -> <missing>
    expect(row(4)).toEqual([3.5, 0, 0, 1, 0, 0]); // 100 clipped to 10
    expect(source).toEqual(['visits', 'visits', 'industry', 'industry', 'industry', 'industry']);
    expect(matrix.data).toBeInstanceOf(Float32Array);
  });

  it('apply log1p and top_k/min_count from the spec', () => {
    const f = frame();
    const spec = {
      features: [
        {
          name: 'visits',
          type: 'attribute',
          kind: 'numeric',
          column: 'company_size',
          encoding: { log1p: true, missing_indicator: false },
        },
        {
          name: 'industry',
          type: 'attribute',
          kind: 'categorical',
          column: 'industry',
          encoding: { top_k: 1, min_count: 1 },
        },
      ],
      exclude: [],
      activity_groups: {},
      competitor_domains: [],
      horizon_days: 90,
      version: 1,
    } as never;
    const state = fitEncoders(f, Int32Array.from([0, 1, 2, 3, 4, 5]), spec);
    expect(state.columns).toEqual(['visits', 'industry=retail', 'industry=<other>', 'industry=<missing>']);
    const v = state.features[0];
    expect(v.kind === 'numeric' && v.log1p).toBe(true);
  });
});

describe('splits', () => {
  it('time split keeps snapshot dates whole, orders parts in time, and drops rows inside the horizon gap', () => {
    // 12 monthly snapshots of 10 rows each
    const n = 120;
    const asOf = Float64Array.from({ length: n }, (_, i) => Date.UTC(2023, Math.floor(i / 10), 1));
    const f: FeatureFrame = { ids: Array.from({ length: n }, (_, i) => `r${i}`), asOf, columns: [] };
    const s = timeSplit(f, { fractions: { train: 0.5, validation: 0.25, test: 0.25 }, horizonDays: 60 });
    const months = (idx: Int32Array) => [...new Set(Array.from(idx, (i) => new Date(asOf[i]).getUTCMonth()))];
    // filled from the end: test takes its 30 rows (Oct-Dec); Sep 1 + 60 days reaches past Oct 1, so Sep
    // falls in the gap; validation takes Jun-Aug; May falls in the next gap; train keeps Jan-Apr.
    expect(months(s.test)).toEqual([9, 10, 11]);
    expect(months(s.validation)).toEqual([5, 6, 7]);
    expect(months(s.train)).toEqual([0, 1, 2, 3]);
    expect(months(s.dropped!)).toEqual([4, 8]);
    const maxVal = Math.max(...Array.from(s.validation, (i) => asOf[i]));
    const minTest = Math.min(...Array.from(s.test, (i) => asOf[i]));
    expect(minTest - maxVal).toBeGreaterThanOrEqual(60 * DAY);
    const maxTrain = Math.max(...Array.from(s.train, (i) => asOf[i]));
    const minVal = Math.min(...Array.from(s.validation, (i) => asOf[i]));
    expect(minVal - maxTrain).toBeGreaterThanOrEqual(60 * DAY);
    expect(() => timeSplit(f, { fractions: { train: 0.5, validation: 0.25, test: 0.25 }, horizonDays: 400 })).toThrow(
      /empty after applying the 400-day gaps/,
    );
  });

  it('stratified split is seeded, disjoint, complete and keeps the class balance', () => {
    const label = Uint8Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const a = stratifiedSplit(label, { train: 0.6, validation: 0.2, test: 0.2 }, 7);
    const b = stratifiedSplit(label, { train: 0.6, validation: 0.2, test: 0.2 }, 7);
    const c = stratifiedSplit(label, { train: 0.6, validation: 0.2, test: 0.2 }, 8);
    expect(a).toEqual(b);
    expect(a.train).not.toEqual(c.train);
    const all = [...a.train, ...a.validation, ...a.calibration, ...a.test].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(a.train.length).toBe(600);
    expect(Array.from(a.train).filter((i) => label[i]).length).toBe(120);
    expect(Array.from(a.test).filter((i) => label[i]).length).toBe(40);
  });
});

describe('describeFeature', () => {
  const spec = loadFeatureSpec(path.resolve('features/default.yaml'));
  it('words values the way a sales rep would', () => {
    expect(describeFeature(spec, 'pricing_view_7d', 3)).toBe('visited the pricing page 3 times in the last 7 days');
    expect(describeFeature(spec, 'seniority', 'vp')).toBe('decision maker (VP)');
    expect(describeFeature(spec, 'email_domain_kind', 'free', { email: 'Bob@Gmail.com' })).toBe(
      'free email address (such as Gmail) (gmail.com)',
    );
    expect(describeFeature(spec, 'unsubscribed', 1)).toBe('unsubscribed from emails');
    // a group of activity types is worded by what it holds, not by its name
    expect(describeFeature(spec, 'days_since_high_intent', NaN)).toBe('no demo, trial or sales requests yet');
    expect(describeFeature(spec, 'high_intent_30d', 2)).toBe(
      'asked for a demo, a trial or sales twice in the last 30 days',
    );
    expect(describeFeature(spec, 'days_since_last_activity', 94.4)).toBe('no activity for 94 days');
    expect(describeFeature(spec, 'max_events_10s', 12)).toBe('up to 12 events within 10 seconds (looks automated)');
    // the fitted state carries the definitions, so the spec is not needed at scoring time
    const f: FeatureFrame = {
      ids: ['a'],
      asOf: new Float64Array(1),
      columns: [{ name: 'pricing_view_7d', kind: 'numeric', values: Float64Array.from([1]) }],
    };
    const state = fitEncoders(f, [0], spec);
    expect(describeFeature(state, 'pricing_view_7d', 1)).toBe('visited the pricing page once in the last 7 days');
    expect(describeFeature(state, 'Tags', 'Ringing')).toBe('Tags: Ringing');
  });
});

describe('time split with a shared holdout', () => {
  it('divides one holdout period between validation and calibration by lead, with only two gaps', () => {
    // 12 monthly snapshots of the same 40 leads
    const ids: string[] = [];
    const dates: number[] = [];
    for (let m = 0; m < 12; m++)
      for (let l = 0; l < 40; l++) {
        ids.push(`L${l}`);
        dates.push(Date.UTC(2023, m, 1));
      }
    const asOf = Float64Array.from(dates);
    const f: FeatureFrame = { ids, asOf, columns: [] };
    const s = timeSplit(f, {
      fractions: { train: 0.5, validation: 0.15, calibration: 0.1, test: 0.25 },
      horizonDays: 60,
      sharedHoldout: { seed: 3 },
    });
    const months = (idx: Int32Array) =>
      [...new Set(Array.from(idx, (i) => new Date(asOf[i]).getUTCMonth()))].sort((a, b) => a - b);
    expect(months(s.test)).toEqual([9, 10, 11]);
    expect(months(s.validation)).toEqual(months(s.calibration)); // same period
    const leadsOf = (idx: Int32Array) => new Set(Array.from(idx, (i) => ids[i]));
    const v = leadsOf(s.validation);
    for (const lead of leadsOf(s.calibration)) expect(v.has(lead)).toBe(false); // disjoint by lead
    expect(s.validation.length).toBeGreaterThan(s.calibration.length * 0.8);
    // every row is in exactly one place
    expect(s.train.length + s.validation.length + s.calibration.length + s.test.length + s.dropped!.length).toBe(
      ids.length,
    );
    const maxHoldout = Math.max(...Array.from([...s.validation, ...s.calibration], (i) => asOf[i]));
    expect(Math.min(...Array.from(s.test, (i) => asOf[i])) - maxHoldout).toBeGreaterThanOrEqual(60 * DAY);
  });
});
