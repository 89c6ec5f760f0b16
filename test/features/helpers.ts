import { Warehouse } from '../../src/store/index.ts';
import { CANONICAL_DDL } from '../../src/schema/index.ts';

/** A fresh in-memory warehouse with the canonical tables. */
export async function canonicalWarehouse(): Promise<Warehouse> {
  const w = await Warehouse.open(':memory:');
  await w.run(CANONICAL_DDL);
  return w;
}

export type LeadInput = {
  id: string;
  created: string;
  email?: string | null;
  company?: string | null;
  title?: string | null;
  industry?: string | null;
  size?: number | null;
  revenue?: number | null;
  country?: string | null;
  source?: string | null;
};

/** Insert leads, activities ([lead, iso time, type]) and outcomes ([lead, status, closed iso]). */
export async function insertCrm(
  w: Warehouse,
  leads: LeadInput[],
  activities: Array<[string, string, string]> = [],
  outcomes: Array<[string, string, string | null]> = [],
): Promise<void> {
  if (leads.length)
    await w.append('leads', [
      { name: 'lead_id', type: 'VARCHAR', values: leads.map((l) => l.id) },
      { name: 'created_at', type: 'TIMESTAMP', values: leads.map((l) => new Date(l.created)) },
      { name: 'email', type: 'VARCHAR', values: leads.map((l) => l.email ?? null) },
      { name: 'company', type: 'VARCHAR', values: leads.map((l) => l.company ?? null) },
      { name: 'job_title', type: 'VARCHAR', values: leads.map((l) => l.title ?? null) },
      { name: 'industry', type: 'VARCHAR', values: leads.map((l) => l.industry ?? null) },
      { name: 'company_size', type: 'BIGINT', values: leads.map((l) => l.size ?? null) },
      { name: 'annual_revenue', type: 'DOUBLE', values: leads.map((l) => l.revenue ?? null) },
      { name: 'country', type: 'VARCHAR', values: leads.map((l) => l.country ?? null) },
      { name: 'lead_source', type: 'VARCHAR', values: leads.map((l) => l.source ?? null) },
      { name: 'extras', type: 'JSON', values: leads.map(() => null) },
    ]);
  if (activities.length)
    await w.append('activities', [
      { name: 'lead_id', type: 'VARCHAR', values: activities.map((a) => a[0]) },
      { name: 'occurred_at', type: 'TIMESTAMP', values: activities.map((a) => new Date(a[1])) },
      { name: 'activity_type', type: 'VARCHAR', values: activities.map((a) => a[2]) },
      { name: 'channel', type: 'VARCHAR', values: activities.map(() => null) },
      { name: 'campaign', type: 'VARCHAR', values: activities.map(() => null) },
      { name: 'url', type: 'VARCHAR', values: activities.map(() => null) },
      { name: 'value', type: 'DOUBLE', values: activities.map(() => null) },
    ]);
  if (outcomes.length)
    await w.append('outcomes', [
      { name: 'lead_id', type: 'VARCHAR', values: outcomes.map((o) => o[0]) },
      { name: 'opportunity_id', type: 'VARCHAR', values: outcomes.map((o, i) => `opp${i}`) },
      { name: 'created_at', type: 'TIMESTAMP', values: outcomes.map((o) => new Date(o[2] ?? '2024-01-01T00:00:00Z')) },
      { name: 'closed_at', type: 'TIMESTAMP', values: outcomes.map((o) => (o[2] ? new Date(o[2]) : null)) },
      { name: 'status', type: 'VARCHAR', values: outcomes.map((o) => o[1]) },
      { name: 'amount', type: 'DOUBLE', values: outcomes.map(() => null) },
    ]);
}
