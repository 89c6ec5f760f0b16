import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors.ts';
import { explainLead, loadRules, parseRules, scoreRules } from '../../src/rules/index.ts';
import type { Warehouse } from '../../src/store/index.ts';
import { AS_OF, HAND_RULES, daysBefore, insertRandomLead, memoryWarehouse, randomLead } from './helpers.ts';

const r2 = (x: number) => Math.round(x * 100) / 100;

describe('explainLead', () => {
  let w: Warehouse;
  const leads = fc.sample(randomLead, { numRuns: 25, seed: 7 });
  beforeAll(async () => {
    w = await memoryWarehouse();
    for (const [i, l] of leads.entries()) await insertRandomLead(w, `E${String(i).padStart(2, '0')}`, l);
  });
  afterAll(() => w.close());

  it.each([
    ['default rules', loadRules('models/rules.yaml')],
    [
      'linear decay',
      parseRules(
        { ...HAND_RULES, engagement: { ...HAND_RULES.engagement, decay: { linear: { points: 3, every_days: 7 } } } },
        'linear',
      ),
    ],
  ])('adds up to the score it explains (%s)', async (_label, rules) => {
    const s = await scoreRules(w, rules, { fired: true, asOf: AS_OF, leads: 'all' });
    expect(s.ids.length).toBe(leads.filter((l) => l.createdDaysAgo > 0).length);
    let capsSeen = 0;
    for (let i = 0; i < s.ids.length; i++) {
      const ex = await explainLead(w, rules, s.ids[i], AS_OF);
      expect(ex.total).toBe(s.total[i]);
      expect([ex.fit.points, ex.engagement.points, ex.negative.points]).toEqual([
        s.fit[i],
        s.engagement[i],
        s.negative[i],
      ]);
      expect([ex.band, ex.grade, ex.excluded]).toEqual([s.band[i], s.grade[i], s.excluded[i] === 1]);
      // every rule's points, group by group, then caps, then floor: the parts add up
      for (const g of ['fit', 'engagement', 'negative'] as const) {
        expect(ex[g].sum).toBeCloseTo(
          ex.rules.filter((r) => r.group === g).reduce((a, r) => a + r.points, 0),
          9,
        );
        for (const r of ex.rules) expect(r.points).toBeCloseTo(r.rawPoints - r.decay, 9);
      }
      expect(ex.fit.points).toBe(Math.min(ex.fit.sum, ex.fit.cap));
      expect(ex.engagement.points).toBe(
        r2(Math.max(0, Math.min(ex.engagement.sum, ex.engagement.cap) - ex.engagement.linearLoss)),
      );
      expect(ex.negative.points).toBe(Math.max(ex.negative.sum, -ex.negative.cap));
      expect(ex.total).toBe(ex.excluded ? 0 : Math.min(100, Math.max(0, ex.subtotal)));
      expect(JSON.parse(s.fired![i])).toEqual(
        ex.rules.filter((r) => r.points !== 0).map((r) => ({ rule: r.rule, points: r.points })),
      );
      capsSeen += Number(ex.fit.capHit || ex.engagement.capHit || ex.negative.capHit || ex.floorHit);
    }
    expect(capsSeen).toBeGreaterThan(0); // the sample does exercise caps or the floor
  });

  it('reports decay and caps for a known lead', async () => {
    const rules = parseRules(HAND_RULES, 'hand');
    await insertRandomLead(w, 'K1', {
      job_title: 'CEO',
      email: 'x@acme.com',
      company_size: 100,
      industry: 'SaaS',
      country: null,
      annual_revenue: null,
      createdDaysAgo: 50,
      events: [
        ['content_download', 10],
        ['content_download', 20],
        ['content_download', 30],
      ],
    });
    const ex = await explainLead(w, rules, 'K1', AS_OF);
    expect(ex.rules.find((r) => r.rule === 'download')).toEqual({
      rule: 'download',
      group: 'engagement',
      kind: 'activity',
      path: 'engagement.criteria[0]',
      events: 3,
      rawPoints: 20,
      decay: 12.5,
      points: 7.5,
    });
    expect(ex.fit).toEqual({ sum: 30, cap: 20, capHit: true, points: 20 });
    expect(ex.total).toBe(27.5);
  });

  it('throws NotFoundError for an unknown lead or one created after as_of', async () => {
    const rules = parseRules(HAND_RULES, 'hand');
    await expect(explainLead(w, rules, 'E0', AS_OF)).rejects.toThrow(/no lead with id "E0".*/);
    await expect(explainLead(w, rules, 'E0', AS_OF)).rejects.toBeInstanceOf(NotFoundError);
    await expect(explainLead(w, rules, 'K1', daysBefore(60))).rejects.toThrow(/did not exist yet/);
  });
});
