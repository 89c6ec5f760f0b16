import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditLeakage, loadFlatFrame, rocAuc, stratifiedSplit, type FeatureFrame } from '../../src/features/index.ts';
import { matchPostOutcome, normalizeName } from '../../src/features/leakage-lexicon.ts';
import { auditAndExclude } from '../../src/pipelines/leakage.ts';
import { mulberry32 } from '../../src/random.ts';
import { DataError } from '../../src/errors.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-audit-crm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A standard normal draw from a uniform source (Box-Muller). */
function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * A flat lead table whose outcome comes from honest columns (pages viewed, a little from company size
 * and industry), plus two columns sales fill in afterwards: the call's duration (longer calls for
 * converters) and the sales stage.
 */
function plantedTable(n: number, seed: number): FeatureFrame {
  const r = mulberry32(seed);
  const pages = new Float64Array(n);
  const size = new Float64Array(n);
  const industry: string[] = [];
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    pages[i] = Math.round(Math.exp(1.5 + 0.8 * normal(r)));
    size[i] = Math.round(Math.exp(4 + normal(r)));
    industry.push(['software', 'retail', 'finance', 'health'][Math.floor(r() * 4)]);
    const z = -1.2 + (1.1 * (Math.log1p(pages[i]) - 1.7)) / 0.6 + 0.2 * (industry[i] === 'software' ? 1 : 0);
    label[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  // outcome-drawn: converters' calls last longer (lognormal, shifted); stages follow the outcome
  const duration = Float64Array.from(label, (y) => Math.round(60 * Math.exp(1.2 + 0.95 * y + 0.9 * normal(r))));
  const stages = Array.from(label, (y) => {
    const u = r();
    if (y) return u < 0.5 ? 'negotiation' : u < 0.8 ? 'proposal' : 'qualified';
    return u < 0.45 ? 'contacted' : u < 0.8 ? 'new' : u < 0.93 ? 'qualified' : 'proposal';
  });
  return {
    ids: Array.from({ length: n }, (_, i) => `L${i}`),
    asOf: new Float64Array(n).fill(NaN),
    label,
    columns: [
      { name: 'pages_viewed', kind: 'numeric', values: pages },
      { name: 'company_size', kind: 'numeric', values: size },
      { name: 'industry', kind: 'categorical', values: industry },
      { name: 'call duration', kind: 'numeric', values: duration },
      { name: 'sales_stage', kind: 'categorical', values: stages },
    ],
  };
}

describe('post-outcome names', () => {
  it('normalizes CRM spellings to words', () => {
    expect(normalizeName('hs_lead_status')).toEqual(['hs', 'lead', 'status']);
    expect(normalizeName('LeadStatus')).toEqual(['lead', 'status']);
    expect(normalizeName('CloseDate')).toEqual(['close', 'date']);
    expect(normalizeName('Days-To-Close')).toEqual(['days', 'to', 'close']);
  });

  it('knows the fields sales fill in afterwards, in the common CRMs and in plain words', () => {
    const post = [
      'Lead Status',
      'hs_lead_status',
      'lifecyclestage',
      'Lifecycle Stage',
      'dealstage',
      'sales_stage',
      'StageName',
      'Tags',
      'Lead Quality',
      'Rating',
      'IsConverted',
      'ConvertedDate',
      'IsWon',
      'Closed Lost',
      'Reason Lost',
      'loss_reason',
      'CloseDate',
      'closed_at',
      'days_to_close',
      'call duration',
      'duration',
      'Talk Time',
      'number of contacts',
      'num_contacted_notes',
      'Deal Amount',
      'Lead Owner',
      'hubspot_owner_id',
      'Account Executive',
      'Disposition',
    ];
    for (const name of post) expect(matchPostOutcome(name, 'categorical'), name).not.toBeNull();
    // a count named like a campaign is the number of contacts in it; a campaign's name is a source
    expect(matchPostOutcome('campaign', 'numeric')?.matched).toBe('campaign');
    expect(matchPostOutcome('campaign', 'categorical')).toBeNull();
  });

  it('leaves alone what is known before sales work the lead', () => {
    const before = [
      'TotalVisits',
      'Total Time Spent on Website',
      'Page Views Per Visit',
      'Lead Origin',
      'Lead Source',
      'Last Activity',
      'Marital Status',
      'Employment Status',
      'company stage',
      'poutcome',
      'previous',
      'pdays',
      'annual_revenue',
      'email_open_30d',
      'Campaign Source',
      'What is your current occupation',
      'I agree to pay the amount through cheque',
    ];
    for (const name of before) expect(matchPostOutcome(name, 'numeric'), name).toBeNull();
  });
});

describe('leakage audit on a planted table', () => {
  const frame = plantedTable(3000, 5);
  const train = stratifiedSplit(frame.label!, { train: 0.8, test: 0.2 }, 1).train;

  it('flags the call duration and the sales stage, spares an honest column of similar strength', () => {
    const y = Uint8Array.from(train, (i) => frame.label![i]);
    const single = (name: string) => {
      const col = frame.columns.find((c) => c.name === name)!;
      return rocAuc(
        Array.from(train, (i) => (col.values as Float64Array)[i]),
        y,
      );
    };
    // the planted column and the honest one are about as strong alone, and neither separates the classes
    expect(single('call duration')).toBeGreaterThan(0.74);
    expect(single('call duration')).toBeLessThan(0.86);
    expect(single('pages_viewed')).toBeGreaterThan(0.74);
    expect(single('pages_viewed')).toBeLessThan(0.86);

    const { excluded, warnings, record } = auditAndExclude(frame, train, null, {
      failOnLeakage: false,
      keep: [],
      exclude: [],
      seed: 3,
    });
    expect(excluded.map((e) => e.column).sort()).toEqual(['call duration', 'sales_stage']);
    expect(excluded.find((e) => e.column === 'call duration')!.reason).toMatch(/duration of a sales call/);
    expect(excluded.find((e) => e.column === 'sales_stage')!.reason).toMatch(/sales stage/);
    // with the leaks out, the honest column is the strongest left: kept, with a warning to check it
    expect(record.dominant).toBe('pages_viewed');
    expect(warnings.map((w) => w.column)).toEqual(['pages_viewed']);
  });

  it('a dominant column the user keeps is not warned about', () => {
    const { excluded, warnings, record } = auditAndExclude(frame, train, null, {
      failOnLeakage: false,
      keep: ['pages_viewed'],
      exclude: [],
      seed: 3,
    });
    expect(excluded.map((e) => e.column).sort()).toEqual(['call duration', 'sales_stage']);
    expect(record.dominant).toBe('pages_viewed');
    expect(warnings).toEqual([]);
  });

  it('--keep and --exclude settle it, and the record says who decided', () => {
    const r = auditAndExclude(frame, train, null, {
      failOnLeakage: false,
      keep: ['sales_stage'],
      exclude: ['company_size'],
      seed: 3,
    });
    expect(r.excluded.map((e) => e.column).sort()).toEqual(['call duration', 'company_size']);
    expect(r.record.kept_by_user.map((k) => k.column)).toEqual(['sales_stage']);
    expect(r.record.kept_by_user[0].reason).toMatch(/kept by the user .* although: its name reads as a sales stage/);
    expect(r.excluded.find((e) => e.column === 'company_size')!.reason).toMatch(/excluded by the user/);
    expect(() =>
      auditAndExclude(frame, train, null, { failOnLeakage: false, keep: ['nope'], exclude: [], seed: 3 }),
    ).toThrow(/--keep nope: no such column/);
    expect(() =>
      auditAndExclude(frame, train, null, { failOnLeakage: true, keep: ['sales_stage'], exclude: [], seed: 3 }),
    ).toThrow(DataError);
    // everything suspected either kept or excluded by the user: nothing left to fail on
    expect(() =>
      auditAndExclude(frame, train, null, {
        failOnLeakage: true,
        keep: ['sales_stage'],
        exclude: ['call duration'],
        seed: 3,
      }),
    ).not.toThrow();
  });

  it('is deterministic for a seed', () => {
    const a = auditAndExclude(frame, train, null, { failOnLeakage: false, keep: [], exclude: [], seed: 3 });
    const b = auditAndExclude(frame, train, null, { failOnLeakage: false, keep: [], exclude: [], seed: 3 });
    expect(b.record).toEqual(a.record);
  });
});

describe('dates after the lead was created', () => {
  /** A flat CSV with a creation date, the close date, and two more dates: one set at closing, one not. */
  function writeDated(file: string, withOutcomeDate: boolean): void {
    const r = mulberry32(8);
    const lines = [
      [
        'lead_id',
        'created_on',
        'first_webinar_on',
        'contract_sent_on',
        ...(withOutcomeDate ? ['closed_on'] : []),
        'visits',
        'won',
      ].join(','),
    ];
    const day = (t: number) => new Date(t * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < 1500; i++) {
      const created = 19_000 + Math.floor(r() * 300);
      const visits = Math.floor(r() * 20);
      const won = r() < 0.15 + 0.02 * visits ? 1 : 0;
      const closed = created + 20 + Math.floor(r() * 60);
      const webinar = r() < 0.6 ? day(created + 1 + Math.floor(r() * 40)) : '';
      // the contract goes out a day or two before a won deal closes, and to a few lost ones
      const contract = won
        ? day(closed - 1 - Math.floor(r() * 2))
        : r() < 0.1
          ? day(created + 5 + Math.floor(r() * 80))
          : '';
      lines.push(
        [`L${i}`, day(created), webinar, contract, ...(withOutcomeDate ? [day(closed)] : []), visits, won].join(','),
      );
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }

  it('reads ISO dates as days, and flags a date that clusters around the outcome date', async () => {
    const file = path.join(tmp, 'dated.csv');
    writeDated(file, true);
    const frame = await loadFlatFrame(file, { target: 'won', id: 'lead_id' });
    const created = frame.columns.find((c) => c.name === 'created_on')!;
    expect(created).toMatchObject({ kind: 'numeric', date: true });
    const train = stratifiedSplit(frame.label!, { train: 0.8, test: 0.2 }, 2).train;
    const report = auditLeakage(frame, train, { seed: 2 });
    expect(report.dates).toEqual({ creation: 'created_on', outcome: 'closed_on' });
    const flagged = report.suspected.map((s) => s.column);
    expect(flagged).toContain('contract_sent_on');
    expect(flagged).toContain('closed_on'); // by its name
    expect(flagged).not.toContain('first_webinar_on');
    expect(flagged).not.toContain('created_on');
    expect(report.suspected.find((s) => s.column === 'contract_sent_on')!.reason).toMatch(
      /within \d+ days of the outcome date "closed_on"/,
    );
  });

  it('without an outcome date, flags a post-creation date whose lag or presence tracks the outcome', async () => {
    const file = path.join(tmp, 'dated-no-outcome.csv');
    writeDated(file, false);
    const frame = await loadFlatFrame(file, { target: 'won', id: 'lead_id' });
    const train = stratifiedSplit(frame.label!, { train: 0.8, test: 0.2 }, 2).train;
    const report = auditLeakage(frame, train, { seed: 2 });
    expect(report.dates.outcome).toBeNull();
    const flagged = report.suspected.map((s) => s.column);
    expect(flagged).toContain('contract_sent_on');
    expect(flagged).not.toContain('first_webinar_on');
  });
});
