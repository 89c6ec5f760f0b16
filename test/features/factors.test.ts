import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  factorDescriber,
  factorPlan,
  featureKind,
  fitEncoders,
  loadFeatureSpec,
  referenceRow,
  transform,
  type FeatureFrame,
} from '../../src/features/index.ts';
import { mulberry32 } from '../../src/models/random.ts';

const spec = loadFeatureSpec(path.resolve('features/default.yaml'));

/** A frame with every feature of the default spec, random but plausible values. */
function defaultFrame(n: number, seed: number): FeatureFrame {
  const r = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const levels: Record<string, (string | null)[]> = {
    industry: ['software', 'saas', 'retail', null],
    lead_source: ['website', 'paid_search', 'purchased_list', null],
    email_domain_kind: ['corporate', 'free', 'disposable', 'missing'],
    seniority: ['vp', 'manager', 'student', 'missing'],
    department: ['sales', 'marketing', 'other', 'missing'],
    company_size_band: ['1-10', '201-1000', '5000+', 'missing'],
    revenue_band: ['<1M', '10M-100M', 'missing'],
    region: ['europe', 'north_america', 'missing'],
  };
  return {
    ids: Array.from({ length: n }, (_, i) => `L${i}`),
    asOf: new Float64Array(n),
    columns: spec.features.map((f) => {
      if (featureKind(f) === 'categorical') {
        return {
          name: f.name,
          kind: 'categorical' as const,
          values: Array.from({ length: n }, () => pick(levels[f.name] ?? ['a', 'b', null])),
        };
      }
      const small = () => (r() < 0.4 ? 0 : Math.floor(r() * 6));
      const days = () => (r() < 0.2 ? NaN : r() * 400);
      const value = () =>
        /days|age/.test(f.name)
          ? days()
          : /decay|per/.test(f.name)
            ? r() * 3
            : /events_10s|2s/.test(f.name)
              ? pick([1, 2, 9])
              : small();
      return { name: f.name, kind: 'numeric' as const, values: Float64Array.from({ length: n }, value) };
    }),
  };
}

describe('factors', () => {
  const frame = defaultFrame(400, 1);
  const encoders = fitEncoders(
    frame,
    Int32Array.from({ length: 300 }, (_, i) => i),
    spec,
  );
  const plan = factorPlan(encoders, spec);
  const factorOf = (feature: string) => plan.factors.find((f) => f.features.includes(feature))?.id;

  it('group the features a person thinks of as one fact', () => {
    expect(['lead_age_days', 'first_touch_age_days'].map(factorOf)).toEqual(['age', 'age']);
    expect(['high_intent_30d', 'high_intent_90d', 'pricing_view_7d', 'days_since_pricing_view'].map(factorOf)).toEqual(
      Array(4).fill('high_intent'),
    );
    expect(['email_open_30d', 'email_click_30d', 'clicks_per_open_30d'].map(factorOf)).toEqual(Array(3).fill('email'));
    // a ratio goes with its numerator; an expression with the lead column it reads
    expect(['company_size', 'company_size_band', 'annual_revenue', 'long_company_name'].map(factorOf)).toEqual(
      Array(4).fill('company'),
    );
    expect(['web_per_day', 'page_view_all', 'content_90d'].map(factorOf)).toEqual(Array(3).fill('activity'));
    expect(['unsubscribed', 'bounced', 'max_events_10s', 'rapid_events_2s'].map(factorOf)).toEqual(
      Array(4).fill('negatives'),
    );
    expect(['seniority', 'department', 'student_title'].map(factorOf)).toEqual(Array(3).fill('title'));
    expect(['email_domain_kind', 'disposable_email', 'competitor_email'].map(factorOf)).toEqual(
      Array(3).fill('email_address'),
    );
    expect(factorOf('days_since_last_activity')).toBe('recency');
    // every matrix column belongs to its feature's factor
    encoders.source.forEach((feature, j) => expect(plan.factors[plan.ofColumn[j]].id).toBe(factorOf(feature)));
  });

  it('the reference lead is the training mean of every matrix column', () => {
    const train = Int32Array.from({ length: 300 }, (_, i) => i);
    const { matrix } = transform(encoders, frame, train);
    const ref = referenceRow(encoders);
    for (let j = 0; j < matrix.cols; j++) {
      let mean = 0;
      for (let i = 0; i < matrix.rows; i++) mean += matrix.data[i * matrix.cols + j] / matrix.rows;
      expect(ref[j]).toBeCloseTo(mean, 5);
    }
  });

  it('word a factor from its values, in sales words, and equal keys give equal words', () => {
    const say = (factor: string, values: Record<string, unknown>) => {
      const k = plan.factors.findIndex((f) => f.id === factor);
      const d = factorDescriber(plan, k);
      return d.text(d.inputs.map((name, i) => d.normalize[i](values[name] ?? 0)));
    };
    expect(
      say('high_intent', { pricing_view_7d: 3, pricing_view_90d: 5, high_intent_90d: 1, high_intent_30d: 0 }),
    ).toBe(
      'visited the pricing page 3 times in the last 7 days; ' +
        'asked for a demo, a trial or sales once in the last 90 days',
    );
    expect(say('high_intent', { days_since_high_intent: NaN, days_since_pricing_view: 120.3 })).toBe(
      'last pricing page visit 120 days ago; no demo, trial or sales requests yet',
    );
    expect(say('recency', { days_since_last_activity: 94.2 })).toBe('no activity for 94 days');
    expect(say('age', { lead_age_days: 702.2, first_touch_age_days: 701.9 })).toBe('lead created 702 days ago');
    expect(say('company', { company_size: 350, company_size_band: '201-1000', revenue_band: '10M-100M' })).toBe(
      'company of 201-1000 employees, revenue 10M-100M',
    );
    expect(say('title', { seniority: 'vp', department: 'sales' })).toBe('decision maker (VP) in sales');
    expect(say('email', { email_open_30d: 3, email_click_30d: 2 })).toBe(
      'opened emails 3 times and clicked emails twice in the last 30 days',
    );
    expect(say('negatives', { max_events_10s: 2 })).toBe(
      'no unsubscribes, bounced emails or automated-looking activity',
    );
    expect(say('negatives', { unsubscribed: 1, max_events_10s: 9 })).toBe(
      'unsubscribed from emails; up to 9 events within 10 seconds (looks automated)',
    );
    expect(say('source', { lead_source: 'purchased_list' })).toBe('came in through a purchased list');

    const wide = defaultFrame(3000, 2);
    const columns = new Map(wide.columns.map((c) => [c.name, c.values as ArrayLike<unknown>]));
    plan.factors.forEach((_, k) => {
      const d = factorDescriber(plan, k);
      const seen = new Map<string, string>();
      for (let i = 0; i < 3000; i++) {
        const values = d.inputs.map((name, c) => d.normalize[c](columns.get(name)![i]));
        const key = d.key(values);
        const text = d.text(values);
        if (seen.has(key)) expect(seen.get(key)).toBe(text);
        else seen.set(key, text);
        expect(text).not.toMatch(/_|undefined|NaN/);
      }
    });
  });
});
