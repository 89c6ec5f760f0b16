import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { loadRules, parseRules } from '../../src/rules/index.ts';
import { HAND_RULES } from './helpers.ts';

/** The ConfigError message for a rules object, or fail. */
function problem(obj: unknown): string {
  try {
    parseRules(obj, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const withCriterion = (section: 'fit' | 'engagement' | 'negative', c: object) => ({
  ...HAND_RULES,
  [section]: { ...HAND_RULES[section], criteria: [...HAND_RULES[section].criteria, c] },
});

describe('rules spec', () => {
  it('loads the default rule set with every kind of criterion', () => {
    const r = loadRules('models/rules.yaml');
    const kinds = new Set(r.criteria.map((c) => (c.kind === 'activity' ? `activity/${c.per}` : c.kind)));
    expect([...kinds].sort()).toEqual([
      'activity/event',
      'activity/once',
      'activity/window',
      'attribute',
      'inactivity',
    ]);
    expect(r.decay).toEqual({ kind: 'half_life', days: 30 });
    expect(r.bands.map((b) => b.name)).toEqual(['hot', 'warm', 'cold', 'dead']);
    expect(r.exclusions.map((e) => e.match.in)).toEqual([['competitor'], ['disposable']]);
    expect(r.criteria.find((c) => c.name === 'hand_raiser')).toMatchObject({ points: 20, per: 'once' });
  });

  it('names an unknown activity type with its key path and the closest known type', () => {
    const msg = problem(withCriterion('engagement', { activity: 'webinar_attend', points: 5 }));
    expect(msg).toContain('test.yaml');
    expect(msg).toContain('engagement.criteria[4].activity');
    expect(msg).toContain('did you mean "webinar_attended"');
  });

  it('accepts custom activity types the file declares', () => {
    const r = parseRules(
      {
        ...withCriterion('engagement', { activity: 'chat_started', points: 5 }),
        custom_activity_types: ['chat_started'],
      },
      't',
    );
    expect(r.criteria.some((c) => c.kind === 'activity' && c.activities[0] === 'chat_started')).toBe(true);
  });

  it('names an unknown attribute, an impossible value and a misspelt key', () => {
    expect(problem(withCriterion('fit', { attribute: 'seniorty', in: ['vp'], points: 5 }))).toMatch(
      /fit\.criteria\[3\]\.attribute: unknown attribute "seniorty" \(did you mean "seniority"\?\)/,
    );
    expect(problem(withCriterion('fit', { attribute: 'seniority', in: ['c-level'], points: 5 }))).toMatch(
      /fit\.criteria\[3\]\.in\[0\]: .*did you mean "c_level"/,
    );
    expect(problem(withCriterion('fit', { attribute: 'industry', in: ['saas'], pionts: 5 }))).toMatch(
      /fit\.criteria\[3\]: unknown key "pionts" \(did you mean "points"\?\)/,
    );
    expect(problem(withCriterion('fit', { attribute: 'industry', in: ['saas'] }))).toMatch(
      /fit\.criteria\[3\]\.points: is required/,
    );
  });

  it('rejects criteria in the wrong section or with the wrong sign', () => {
    expect(problem(withCriterion('fit', { activity: 'email_open', points: 5 }))).toMatch(
      /fit\.criteria\[3\]\.activity: activity criteria belong under engagement or negative/,
    );
    expect(problem(withCriterion('negative', { attribute: 'seniority', in: ['student'], points: 5 }))).toMatch(
      /negative\.criteria\[4\]\.points: must be negative/,
    );
    expect(
      problem(withCriterion('engagement', { activity: 'email_open', per: 'once', max_count: 3, points: 1 })),
    ).toMatch(/max_count: only applies with per: event/);
    expect(problem(withCriterion('engagement', { activity: 'page_view', per: 'window', points: 1 }))).toMatch(
      /per: window needs window/,
    );
    expect(problem(withCriterion('fit', { attribute: 'company_size', in: ['big'], points: 1 }))).toMatch(
      /\.in: does not apply to number attribute company_size/,
    );
    expect(problem(withCriterion('fit', { name: 'exec', attribute: 'industry', in: ['x'], points: 1 }))).toMatch(
      /"exec" is already used by fit\.criteria\[0\]/,
    );
  });

  it('checks thresholds, bands and grades', () => {
    expect(problem({ ...HAND_RULES, thresholds: { mql: 50, sql: 40 } })).toMatch(
      /thresholds: mql \(50\) must not be above sql/,
    );
    expect(problem({ ...HAND_RULES, bands: [{ name: 'hot', min: 50, colour: 'green' }] })).toMatch(
      /bands: the lowest band must have min: 0/,
    );
    expect(problem({ ...HAND_RULES, grades: { ...HAND_RULES.grades, fit: { A: 10, B: 15, C: 5, D: 0 } } })).toMatch(
      /grades\.fit\.B: must not be above A/,
    );
    expect(problem({ ...HAND_RULES, total: { cap: 120 } })).toMatch(/total\.cap/);
  });
});
