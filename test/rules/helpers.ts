import { CANONICAL_DDL } from '../../src/schema/index.ts';
import { Warehouse } from '../../src/store/index.ts';

/** The instant most tests score at. */
export const AS_OF = new Date('2025-06-30T00:00:00Z');
const DAY = 86_400_000;

/** AS_OF minus some (possibly fractional) days. */
export function daysBefore(days: number, from: Date = AS_OF): Date {
  return new Date(from.getTime() - days * DAY);
}

/** A fresh in-memory warehouse with the canonical tables. */
export async function memoryWarehouse(): Promise<Warehouse> {
  const w = await Warehouse.open(':memory:');
  await w.run(CANONICAL_DDL);
  return w;
}

export interface TestLead {
  lead_id: string;
  created_at: Date;
  email?: string | null;
  job_title?: string | null;
  industry?: string | null;
  company_size?: number | null;
  annual_revenue?: number | null;
  country?: string | null;
}

const ts = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** Insert a lead row. */
export async function addLead(w: Warehouse, l: TestLead): Promise<void> {
  await w.run(
    `INSERT INTO leads (lead_id, created_at, email, job_title, industry, company_size, annual_revenue, country)
     VALUES ($1, $2::TIMESTAMP, $3, $4, $5, $6::BIGINT, $7::DOUBLE, $8)`,
    [
      l.lead_id,
      ts(l.created_at),
      l.email ?? null,
      l.job_title ?? null,
      l.industry ?? null,
      l.company_size ?? null,
      l.annual_revenue ?? null,
      l.country ?? null,
    ],
  );
}

/** Insert activities for one lead: [activity_type, occurred_at] pairs. */
export async function addEvents(w: Warehouse, leadId: string, events: Array<[string, Date]>): Promise<void> {
  for (const [type, at] of events) {
    await w.run(`INSERT INTO activities (lead_id, occurred_at, activity_type) VALUES ($1, $2::TIMESTAMP, $3)`, [
      leadId,
      ts(at),
      type,
    ]);
  }
}

/** Insert an outcome (won/lost/open) closed at a date. */
export async function addOutcome(
  w: Warehouse,
  leadId: string,
  status: 'won' | 'lost' | 'open',
  closedAt: Date,
): Promise<void> {
  await w.run(
    `INSERT INTO outcomes (lead_id, created_at, closed_at, status) VALUES ($1, $2::TIMESTAMP, $2::TIMESTAMP, $3)`,
    [leadId, ts(closedAt), status],
  );
}

/** A small rule set whose every number is easy to compute by hand. */
export const HAND_RULES = {
  competitor_domains: ['rival.com'],
  fit: {
    cap: 20,
    criteria: [
      { name: 'exec', attribute: 'seniority', in: ['c_level', 'vp'], points: 15 },
      { name: 'mid_size', attribute: 'company_size', min: 50, max: 1000, points: 10 },
      { name: 'saas', attribute: 'industry', in: ['SaaS'], points: 5 },
    ],
  },
  engagement: {
    cap: 30,
    decay: { half_life_days: 10 },
    criteria: [
      { name: 'download', activity: 'content_download', max_count: 2, points: 10 },
      { name: 'webinar', activity: 'webinar_attended', per: 'once', points: 20 },
      { name: 'streak', activity: 'page_view', per: 'window', window: { count: 3, days: 7 }, points: 8 },
      { name: 'open', activity: 'email_open', points: 1 },
    ],
  },
  negative: {
    cap: 15,
    criteria: [
      { name: 'unsub', activity: 'unsubscribe', per: 'once', points: -10 },
      { name: 'idle30', inactive_days: 30, points: -5 },
      { name: 'free', attribute: 'email_domain_kind', in: ['free'], points: -4 },
      { name: 'student', attribute: 'seniority', in: ['student'], points: -6 },
    ],
  },
  exclusions: [
    { name: 'competitor', attribute: 'email_domain_kind', in: ['competitor'], reason: 'works for a competitor' },
  ],
  thresholds: { mql: 20, sql: 40 },
  bands: [
    { name: 'hot', min: 40, colour: 'green' },
    { name: 'warm', min: 20, colour: 'amber' },
    { name: 'cold', min: 5, colour: 'red' },
    { name: 'dead', min: 0, colour: 'grey' },
  ],
  grades: { fit: { A: 20, B: 15, C: 5, D: 0 }, engagement: { 1: 25, 2: 10, 3: 1, 4: 0 } },
};

/* ---------- random leads for property-based tests ---------- */
import fc from 'fast-check';
import { ACTIVITY_TYPES } from '../../src/schema/index.ts';

export interface RandomLead {
  job_title: string | null;
  email: string | null;
  company_size: number | null;
  industry: string | null;
  country: string | null;
  annual_revenue: number | null;
  createdDaysAgo: number;
  events: Array<[string, number]>;
}

const ageDays = fc.double({ min: 0.001, max: 300, noNaN: true });
/** A lead with random attributes and up to 15 random activities (type, age in days). */
export const randomLead: fc.Arbitrary<RandomLead> = fc.record({
  job_title: fc.constantFrom(
    null,
    'CEO',
    'VP Marketing',
    'Director of IT',
    'Sales Manager',
    'PhD Student',
    'Data Engineer',
    'Gardener',
  ),
  email: fc.constantFrom(
    null,
    'a@acme.com',
    'b@gmail.com',
    'c@mit.edu',
    'd@mailinator.com',
    'e@rivalsoft.com',
    'f@globex.io',
  ),
  company_size: fc.constantFrom(null, 5, 40, 120, 800, 3000, 20000),
  industry: fc.constantFrom(null, 'Software', 'fintech', 'Retail', 'Healthcare'),
  country: fc.constantFrom(null, 'Germany', 'United States', 'India', 'Atlantis'),
  annual_revenue: fc.constantFrom(null, 5e5, 2e7, 3e9),
  createdDaysAgo: fc.double({ min: 0.5, max: 400, noNaN: true }),
  events: fc.array(fc.tuple(fc.constantFrom(...ACTIVITY_TYPES), ageDays), { maxLength: 15 }),
});

/** Insert a random lead under an id. */
export async function insertRandomLead(
  w: Warehouse,
  id: string,
  l: RandomLead,
  extra: Array<[string, number]> = [],
): Promise<void> {
  await addLead(w, {
    lead_id: id,
    created_at: daysBefore(l.createdDaysAgo),
    email: l.email,
    job_title: l.job_title,
    company_size: l.company_size,
    industry: l.industry,
    country: l.country,
    annual_revenue: l.annual_revenue,
  });
  await addEvents(
    w,
    id,
    [...l.events, ...extra].map(([t, age]) => [t, daysBefore(age)]),
  );
}
