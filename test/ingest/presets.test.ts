import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { ingest } from '../../src/ingest/index.ts';
import { tmpDir } from './helpers.ts';

const NOW = new Date('2025-07-01T00:00:00Z');
const FX = path.resolve(import.meta.dirname, '../fixtures/crm');

async function filled(db: string): Promise<Record<string, number>> {
  return withWarehouse(
    db,
    async (w) =>
      (await w.one<Record<string, number>>(
        `SELECT count(*) AS leads, count(company) AS company, count(country) AS country,
         count(lead_source) AS lead_source,
         count(company_size) AS company_size, count(DISTINCT company_size) AS sizes FROM leads`,
      ))!,
  );
}

describe('--preset salesforce', () => {
  it('reads Lead, Opportunity, Task and CampaignMember exports by API names; outcomes linked via leads', async () => {
    const db = path.join(tmpDir(), 'sf.duckdb');
    const sf = (f: string) => path.join(FX, 'salesforce', f);
    const r = await withWarehouse(db, (w) =>
      ingest(w, {
        preset: 'salesforce',
        leads: sf('Lead.csv'),
        outcomes: sf('Opportunity.csv'),
        activities: [sf('Task.csv'), sf('CampaignMember.csv')],
        now: NOW,
      }),
    );
    expect(r.tables.leads).toMatchObject({ read: 3000, loaded: 3000, rejected: 0 });
    expect(r.tables.leads!.extras).toEqual([]);
    // lead status and conversion fields are outcomes, never lead attributes
    expect(r.tables.leads!.dropped).toEqual(expect.arrayContaining(['Status', 'IsConverted', 'ConvertedDate']));
    expect(r.files.find((f) => f.source_file.endsWith('Task.csv'))!.skipped).toEqual({ unknown_lead: 40 });
    expect(r.tables.outcomes!.skipped).toEqual({ not_linked_to_a_lead: 15 });
    const f = await filled(db);
    expect(f).toMatchObject({ leads: 3000, company: 3000, country: 3000, lead_source: 3000, company_size: 2700 });
    await withWarehouse(db, async (w) => {
      const s = await w.all<{ status: string; n: number; closed: number }>(
        `SELECT status, count(*)::INTEGER AS n, count(closed_at)::INTEGER AS closed
         FROM outcomes GROUP BY 1 ORDER BY 1`,
      );
      expect(s.map((x) => x.status)).toEqual(['lost', 'open', 'won']);
      expect(s.find((x) => x.status === 'open')!.closed).toBe(0); // an expected close date is not a close
      expect(s.find((x) => x.status === 'won')!.n).toBeGreaterThan(200);
      const span = await w.one<{ months: number }>(
        `SELECT date_diff('month', min(created_at), max(created_at))::INTEGER AS months FROM leads`,
      );
      expect(span!.months).toBeGreaterThanOrEqual(17);
      expect(await w.count('activities', `activity_type = 'campaign_response'`)).toBeGreaterThan(100);
    });
  });

  it('without an Opportunity export, converted leads are the won outcomes, at ConvertedDate', async () => {
    const db = path.join(tmpDir(), 'sf.duckdb');
    const r = await withWarehouse(db, (w) =>
      ingest(w, { preset: 'salesforce', leads: path.join(FX, 'salesforce', 'Lead.csv'), now: NOW }),
    );
    expect(r.tables.outcomes!.rejected).toBe(0);
    const converted = await withWarehouse(db, (w) => w.count('outcomes', `status = 'won'`));
    expect(converted).toBe(r.tables.outcomes!.loaded);
    expect(converted).toBeGreaterThan(500);
  });
});

describe('--preset hubspot', () => {
  it('reads contacts and deals exports by their labels; Company size ranges fill company_size', async () => {
    const db = path.join(tmpDir(), 'hs.duckdb');
    const hs = (f: string) => path.join(FX, 'hubspot', f);
    const r = await withWarehouse(db, (w) =>
      ingest(w, { preset: 'hubspot', leads: hs('contacts.csv'), outcomes: hs('deals.csv'), now: NOW }),
    );
    expect(r.tables.leads).toMatchObject({ read: 3000, rejected: 0, ranges: { company_size: 2800 } });
    expect(r.tables.leads!.dropped).toEqual(
      expect.arrayContaining(['Lifecycle Stage', 'Lead Status', 'Became a Customer Date']),
    );
    const f = await filled(db);
    expect(f).toMatchObject({ leads: 3000, company: 3000, country: 3000, lead_source: 3000, company_size: 2800 });
    expect(f.sizes).toBe(8);
    await withWarehouse(db, async (w) => {
      const bands = await w.all<{ band: string; size: number }>(
        `SELECT DISTINCT extras->>'company_size_band' AS band, company_size AS size FROM leads
         WHERE company_size IS NOT NULL ORDER BY size`,
      );
      expect(bands.map((b) => [b.band, b.size])).toEqual([
        ['1-10', 1],
        ['11-50', 11],
        ['51-200', 51],
        ['201-500', 201],
        ['501-1,000', 501],
        ['1,001-5,000', 1001],
        ['5,001-10,000', 5001],
        ['10,001+', 10001],
      ]);
      const revenue = await w.all<{ band: string; v: number }>(
        `SELECT DISTINCT extras->>'annual_revenue_band' AS band, annual_revenue AS v FROM leads ORDER BY v`,
      );
      expect(revenue[0]).toEqual({ band: '<$1M', v: 0 });
      expect(revenue.at(-1)).toEqual({ band: '$50M+', v: 50_000_000 });
      const won = await w.count('outcomes', `status = 'won'`);
      const lost = await w.count('outcomes', `status = 'lost'`);
      expect(won).toBeGreaterThan(200);
      expect(lost).toBeGreaterThan(50);
    });
  });
});
