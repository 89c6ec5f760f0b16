import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules, scoreRules, RULE_SCORE_COLUMNS, type RuleScores } from '../../src/rules/index.ts';
import type { Warehouse } from '../../src/store/index.ts';
import { AS_OF, HAND_RULES, addEvents, addLead, addOutcome, daysBefore, memoryWarehouse } from './helpers.ts';

const rules = parseRules(HAND_RULES, 'hand-rules');
const r2 = (x: number) => Math.round(x * 100) / 100;
const half = (ageDays: number) => 0.5 ** (ageDays / 10);

function row(s: RuleScores, id: string, asOf: Date = AS_OF) {
  const i = s.ids.findIndex((x, k) => x === id && s.asOf[k] === asOf.getTime());
  if (i < 0) return undefined;
  return {
    fit: s.fit[i],
    engagement: s.engagement[i],
    negative: s.negative[i],
    total: s.total[i],
    band: s.band[i],
    colour: s.colour[i],
    grade: s.grade[i],
    mql: s.mql[i],
    sql: s.sql[i],
    excluded: s.excluded[i],
    reason: s.exclusionReason[i],
    fired: Object.fromEntries(
      (JSON.parse(s.fired![i]) as Array<{ rule: string; points: number }>).map((f) => [f.rule, f.points]),
    ),
  };
}

describe('scoreRules on hand-built leads', () => {
  let w: Warehouse;
  beforeAll(async () => {
    w = await memoryWarehouse();
    // L1: fit over its cap; decayed downloads (2 most recent count), webinar once, a 3-in-7-days streak
    await addLead(w, {
      lead_id: 'L1',
      created_at: daysBefore(60),
      email: 'ann@acme.com',
      job_title: 'CEO',
      company_size: 200,
      industry: 'saas',
    });
    await addEvents(w, 'L1', [
      ['content_download', daysBefore(10)],
      ['content_download', daysBefore(20)],
      ['content_download', daysBefore(30)],
      ['webinar_attended', daysBefore(20)],
      ['webinar_attended', daysBefore(40)],
      ['page_view', daysBefore(12)],
      ['page_view', daysBefore(14)],
      ['page_view', daysBefore(18)],
      ['content_download', AS_OF],
      ['webinar_attended', daysBefore(-1)], // at/after as_of: ignored
    ]);
    // L2: engagement over its cap, free email
    await addLead(w, { lead_id: 'L2', created_at: daysBefore(5), email: 'bob@gmail.com', job_title: 'Data Engineer' });
    const hour = 1 / 24;
    await addEvents(w, 'L2', [
      ['webinar_attended', daysBefore(hour)],
      ['content_download', daysBefore(hour)],
      ['content_download', daysBefore(hour)],
    ]);
    // L3: negatives beyond the negative cap, nothing positive: floored at 0; unsubscribing is not engagement
    await addLead(w, { lead_id: 'L3', created_at: daysBefore(100), email: 'kid@gmail.com', job_title: 'PhD Student' });
    await addEvents(w, 'L3', [['unsubscribe', daysBefore(5)]]);
    // L4: competitor, excluded whatever it did
    await addLead(w, {
      lead_id: 'L4',
      created_at: daysBefore(10),
      email: 'spy@Rival.com',
      job_title: 'CEO',
      company_size: 100,
    });
    await addEvents(w, 'L4', [['webinar_attended', daysBefore(1)]]);
    // L5: created after as_of: not scored
    await addLead(w, { lead_id: 'L5', created_at: daysBefore(-2), job_title: 'CEO' });
    // L6: won before as_of (skipped when scoring open leads); L7: idle 40 days, page views too spread out for a streak
    await addLead(w, { lead_id: 'L6', created_at: daysBefore(50), job_title: 'VP Marketing' });
    await addOutcome(w, 'L6', 'won', daysBefore(3));
    await addLead(w, {
      lead_id: 'L7',
      created_at: daysBefore(90),
      job_title: 'VP Sales',
      company_size: 5000,
      industry: 'Retail',
    });
    await addEvents(w, 'L7', [
      ['page_view', daysBefore(40)],
      ['page_view', daysBefore(44)],
      ['page_view', daysBefore(48)],
      ['email_open', daysBefore(41)],
    ]);
    // L8: won only after as_of: still open at as_of
    await addLead(w, { lead_id: 'L8', created_at: daysBefore(20), job_title: 'Director of IT', company_size: 60 });
    await addOutcome(w, 'L8', 'won', daysBefore(-5));
  });
  afterAll(() => w.close());

  it('adds decayed, capped points exactly', async () => {
    const s = await scoreRules(w, rules, { fired: true, asOf: AS_OF });
    expect(s.ids).toEqual(['L1', 'L2', 'L3', 'L4', 'L7', 'L8']);
    const streak = r2(8 * half(12)); // completed by the page view 12 days ago
    const l1 = row(s, 'L1')!;
    expect(l1.fired).toEqual({
      exec: 15,
      mid_size: 10,
      saas: 5,
      download: r2(10 * (half(10) + half(20))),
      webinar: r2(20 * half(20)),
      streak,
    });
    expect(l1.fit).toBe(20); // 30 capped at 20
    expect(l1.engagement).toBe(r2(7.5 + 5 + streak));
    expect(l1.negative).toBe(0);
    expect(l1.total).toBe(r2(20 + 7.5 + 5 + streak));
    expect(l1).toMatchObject({ band: 'warm', colour: 'amber', grade: 'A2', mql: 1, sql: 0, excluded: 0, reason: null });

    const l2 = row(s, 'L2')!;
    expect(l2.fired).toEqual({ webinar: r2(20 * half(1 / 24)), download: r2(20 * half(1 / 24)), free: -4 });
    expect(l2).toMatchObject({ fit: 0, engagement: 30, negative: -4, total: 26, band: 'warm', grade: 'D1', mql: 1 });

    const l3 = row(s, 'L3')!;
    expect(l3.fired).toEqual({ unsub: -10, idle30: -5, free: -4, student: -6 });
    expect(l3).toMatchObject({
      fit: 0,
      engagement: 0,
      negative: -15,
      total: 0,
      band: 'dead',
      colour: 'grey',
      grade: 'D4',
      mql: 0,
    });

    const l4 = row(s, 'L4')!;
    expect(l4).toMatchObject({
      total: 0,
      band: 'excluded',
      grade: 'X',
      mql: 0,
      sql: 0,
      excluded: 1,
      reason: 'works for a competitor',
    });
    expect(l4.fit).toBe(20); // still reported, for the record

    const l7 = row(s, 'L7')!;
    expect(l7.fired).toEqual({ exec: 15, open: r2(half(41)), idle30: -5 });
    // 0.06 engagement points: level 4
    expect(l7).toMatchObject({ fit: 15, negative: -5, total: r2(15 + r2(half(41)) - 5), band: 'cold', grade: 'B4' });
  });

  it('scores already-won leads only when asked for all leads', async () => {
    const s = await scoreRules(w, rules, { fired: true, asOf: AS_OF, leads: 'all' });
    expect(s.ids).toEqual(['L1', 'L2', 'L3', 'L4', 'L6', 'L7', 'L8']);
    expect(row(s, 'L6')).toMatchObject({ fit: 15, negative: -5, total: 10 });
  });

  it('scores many (lead, as_of) snapshots in one query, each point in time', async () => {
    const earlier = daysBefore(15);
    await w.run(
      'CREATE OR REPLACE TABLE snaps AS SELECT * FROM (VALUES ' +
        "('L1', $1::TIMESTAMP), ('L1', $2::TIMESTAMP), ('L5', $2::TIMESTAMP), ('L3', $1::TIMESTAMP)) v(lead_id, as_of)",
      [earlier.toISOString().replace('Z', ''), AS_OF.toISOString().replace('Z', '')],
    );
    const s = await scoreRules(w, rules, { fired: true, pairsTable: 'snaps', leads: 'all' });
    expect(s.ids).toEqual(['L1', 'L1', 'L3']); // L5 did not exist yet
    const then = row(s, 'L1', earlier)!;
    // 15 days earlier: downloads 5 and 15 days old, webinar 5 days old, only one page view so far
    expect(then.fired).toEqual({
      exec: 15,
      mid_size: 10,
      saas: 5,
      download: r2(10 * (half(5) + half(15))),
      webinar: r2(20 * half(5)),
    });
    expect(then.total).toBe(r2(20 + r2(10 * (half(5) + half(15))) + r2(20 * half(5))));
    expect(row(s, 'L1', AS_OF)!.total).toBe(row(await scoreRules(w, rules, { fired: true, asOf: AS_OF }), 'L1')!.total);
    // L3 85 days after creation was idle for 85 days already (-5), the unsubscribe came later
    expect(row(s, 'L3', earlier)!.fired).toEqual({ idle30: -5, free: -4, student: -6 });
  });

  it('applies linear decay per idle period instead of a half-life', async () => {
    const linear = parseRules(
      { ...HAND_RULES, engagement: { ...HAND_RULES.engagement, decay: { linear: { points: 4, every_days: 10 } } } },
      'linear',
    );
    const s = await scoreRules(w, linear, { fired: true, asOf: AS_OF });
    const l1 = row(s, 'L1')!;
    // undecayed: downloads 20 + webinar 20 + streak 8 = 48, capped at 30; last engaged 10 days ago: one period, -4
    expect(l1.fired).toMatchObject({ download: 20, webinar: 20, streak: 8 });
    expect(l1.engagement).toBe(26);
    expect(l1.total).toBe(46);
  });

  it('writes the scores to a table, replacing it whole', async () => {
    await scoreRules(w, rules, { fired: true, asOf: AS_OF, into: 'rule_scores' });
    const s = await scoreRules(w, rules, { fired: true, asOf: AS_OF, into: 'rule_scores' });
    expect(await w.tableColumns('rule_scores')).toEqual([...RULE_SCORE_COLUMNS]);
    expect(await w.count('rule_scores')).toBe(s.ids.length);
    expect(await w.tableExists('rule_scores__staging')).toBe(false);
  });

  it('rejects an ambiguous request and a pairs table without the right columns', async () => {
    await expect(scoreRules(w, rules, {})).rejects.toThrow(/exactly one of asOf or pairsTable/);
    await w.run(`CREATE OR REPLACE TABLE bad_pairs AS SELECT 'L1' AS id`);
    await expect(scoreRules(w, rules, { fired: true, pairsTable: 'bad_pairs' })).rejects.toThrow(/lead_id and as_of/);
  });
});
