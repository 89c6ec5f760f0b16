import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engagementTypes, loadRules, parseRules, scoreRules, type RuleSet } from '../../src/rules/index.ts';
import type { Warehouse } from '../../src/store/index.ts';
import { AS_OF, HAND_RULES, insertRandomLead, memoryWarehouse, randomLead } from './helpers.ts';

const RULE_SETS: Array<[string, RuleSet]> = [
  ['default rules (half-life decay)', loadRules('models/rules.yaml')],
  [
    'hand rules with linear decay',
    parseRules(
      { ...HAND_RULES, engagement: { ...HAND_RULES.engagement, decay: { linear: { points: 3, every_days: 7 } } } },
      'linear',
    ),
  ],
];

/** Activity types only negative criteria name. */
function negativeOnlyTypes(rules: RuleSet): string[] {
  const pos = new Set(engagementTypes(rules));
  return [
    ...new Set(rules.criteria.flatMap((c) => (c.kind === 'activity' && c.points < 0 ? c.activities : []))),
  ].filter((t) => !pos.has(t));
}

describe.each(RULE_SETS)('monotone, bounded scores: %s', (_label, rules) => {
  let w: Warehouse;
  let n = 0;
  beforeAll(async () => {
    w = await memoryWarehouse();
  });
  afterAll(() => w.close());

  const monotone =
    'a positive event never lowers the score, a negative one never raises it, and every score is in [0, 100]';
  it(monotone, async () => {
    const positive = engagementTypes(rules);
    const negative = negativeOnlyTypes(rules);
    expect(negative.length).toBeGreaterThan(0);
    const age = fc.double({ min: 0.001, max: 300, noNaN: true });
    await fc.assert(
      fc.asyncProperty(
        randomLead,
        fc.constantFrom(...positive),
        age,
        fc.constantFrom(...negative),
        age,
        async (lead, posType, posAge, negType, negAge) => {
          const id = `p${n++}`;
          await insertRandomLead(w, `${id}_base`, lead);
          await insertRandomLead(w, `${id}_plus`, lead, [[posType, posAge]]);
          await insertRandomLead(w, `${id}_minus`, lead, [[negType, negAge]]);
          await w.run(
            'CREATE OR REPLACE TABLE pairs AS SELECT lead_id, $1::TIMESTAMP AS as_of ' +
              'FROM leads WHERE starts_with(lead_id, $2)',
            [AS_OF.toISOString().replace('Z', ''), `${id}_`],
          );
          const s = await scoreRules(w, rules, { pairsTable: 'pairs', leads: 'all' });
          const total = (suffix: string) => s.total[s.ids.indexOf(`${id}_${suffix}`)];
          for (const t of s.total) expect(t >= 0 && t <= 100).toBe(true);
          expect(total('plus')).toBeGreaterThanOrEqual(total('base'));
          expect(total('minus')).toBeLessThanOrEqual(total('base'));
        },
      ),
      { numRuns: 40, seed: 20250630 },
    );
  });
});
