import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/store/index.ts';
import {
  countCreationPairs,
  countDatePairs,
  createCreationPairs,
  createDatePairs,
  snapshotDates,
} from '../../src/features/index.ts';
import { canonicalWarehouse, insertCrm } from './helpers.ts';

const DAY = 86_400_000;
const dates = snapshotDates(new Date('2024-02-01T00:00:00Z'), new Date('2024-07-01T00:00:00Z'), 'month');
const leads = Array.from({ length: 400 }, (_, i) => ({
  id: `lead-${i}`,
  created: new Date(Date.UTC(2024, 0, 1) + (i % 170) * DAY).toISOString(),
}));

let w: Warehouse;
beforeEach(async () => {
  w = await canonicalWarehouse();
  await insertCrm(w, leads);
});
afterEach(() => w.close());

const rows = (t: string) => w.all<{ lead_id: string; as_of: Date }>(`SELECT * FROM ${t} ORDER BY lead_id, as_of`);
const key = (r: { lead_id: string; as_of: Date }) => `${r.lead_id}@${r.as_of.toISOString()}`;

describe('snapshot pairs', () => {
  it('counts what it would create, and a seeded lead sample keeps every snapshot of the leads it keeps', async () => {
    const total = await countDatePairs(w, dates);
    expect(await createDatePairs(w, dates, 'all_pairs')).toBe(total);
    const all = await rows('all_pairs');
    const sample = { seed: 42, share: 0.3 };
    const kept = await createDatePairs(w, dates, 'sampled', { sample });
    const sampled = await rows('sampled');
    expect(sampled).toHaveLength(kept);
    const keptLeads = new Set(sampled.map((r) => r.lead_id));
    expect(keptLeads.size).toBeGreaterThan(80);
    expect(keptLeads.size).toBeLessThan(160);
    // exactly the full table's rows of the kept leads
    expect(sampled.map(key)).toEqual(all.filter((r) => keptLeads.has(r.lead_id)).map(key));
    // the same leads as deleting the others from the full table by the same draw (the old way)
    await w.run(`DELETE FROM all_pairs WHERE (md5_number(lead_id || ':' || 42::VARCHAR) % 1000000) >= 300000`);
    expect((await rows('all_pairs')).map(key)).toEqual(sampled.map(key));
    // another seed draws other leads
    await createDatePairs(w, dates, 'other', { sample: { seed: 7, share: 0.3 } });
    expect((await rows('other')).map(key)).not.toEqual(sampled.map(key));
  });

  it('creation rows: counted, and sampled by the same draw', async () => {
    const window = { afterDays: 7, end: new Date('2024-05-01T00:00:00Z') };
    const total = await countCreationPairs(w, window);
    expect(await createCreationPairs(w, 'created', window)).toBe(total);
    expect(total).toBe(leads.filter((l) => Date.parse(l.created) + 7 * DAY <= window.end.getTime()).length);
    await createCreationPairs(w, 'sampled', { ...window, sample: { seed: 42, share: 0.3 } });
    await createDatePairs(w, dates, 'dated', { sample: { seed: 42, share: 0.3 } });
    const created = new Set((await rows('sampled')).map((r) => r.lead_id));
    const dated = new Set((await rows('dated')).map((r) => r.lead_id));
    for (const id of created) expect(dated.has(id)).toBe(true); // one draw per lead, whichever rows it has
  });
});
