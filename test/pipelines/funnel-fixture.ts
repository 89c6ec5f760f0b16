/**
 * A two-table funnel written in SQL, shaped like the export in issue #16: marketing-qualified leads with
 * a first-contact date, an origin (lead_source) and a landing page (kept in extras, as ingest keeps any
 * column beyond the canonical ones), and a closed-deals table that lists only won deals (every row won,
 * no other status). No activities at all. Conversion depends on the origin and the landing page, so a
 * model that uses both categorical columns ranks leads better than chance.
 *
 * Until the ingest branch's fixtures (test/fixtures/crm/funnel/ with `ingest --map`) land, this stands in
 * for them; every draw is a seeded md5 of the lead number, so the same seed gives the same warehouse.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CANONICAL_DDL } from '../../src/schema/index.ts';
import { withWarehouse } from '../../src/store/index.ts';

export interface FunnelOptions {
  leads?: number;
  seed?: number;
  /** first contact dates spread over this many days before 2025-06-30 */
  spanDays?: number;
}

/** Create a funnel warehouse in a fresh temp dir; returns the dir and the warehouse path. */
export async function funnelWarehouse(opts: FunnelOptions = {}): Promise<{ dir: string; db: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-funnel-'));
  const db = path.join(dir, 'funnel.duckdb');
  await writeFunnel(db, opts);
  return { dir, db };
}

/** Write the funnel's leads and won deals into `db` (canonical tables; activities stay empty). */
export async function writeFunnel(db: string, opts: FunnelOptions = {}): Promise<void> {
  const n = opts.leads ?? 3000;
  const seed = opts.seed ?? 1;
  const span = opts.spanDays ?? 730;
  // u(k): a seeded uniform draw in [0, 1) for lead i, stream k
  const u = (k: number) => `((md5_number(i::VARCHAR || ':${seed}:${k}') % 1000000) / 1000000.0)`;
  await withWarehouse(db, async (w) => {
    await w.run(CANONICAL_DDL);
    await w.run(`CREATE TEMP TABLE mql AS
      SELECT i,
        'MQL-' || lpad(i::VARCHAR, 6, '0') AS lead_id,
        TIMESTAMP '2025-06-30' - INTERVAL (floor(${u(1)} * ${span})::INTEGER) DAY AS created_at,
        ['organic_search', 'paid_search', 'social', 'referral', 'email', 'direct'][1 + floor(${u(2)} * 6)::INTEGER]
          AS origin,
        ['/', '/pricing', '/demo', '/blog/seo-tips', '/product', '/contact', '/careers']
          [1 + floor(${u(3)} * 7)::INTEGER]
          AS landing_page,
        ${u(4)} AS draw, ${u(5)} AS lag
      FROM range(${n}) t(i)`);
    await w.run(`INSERT INTO leads (lead_id, created_at, lead_source, extras)
      SELECT lead_id, created_at, origin, json_object('Landing Page', landing_page, 'MQL Id', lead_id) FROM mql`);
    // conversion odds by origin and landing page; won within 10..170 days of first contact
    await w.run(`INSERT INTO outcomes (lead_id, opportunity_id, created_at, closed_at, status, amount)
      SELECT lead_id, 'DEAL-' || i, created_at + INTERVAL (floor(5 + lag * 60)::INTEGER) DAY,
        created_at + INTERVAL (floor(10 + lag * 160)::INTEGER) DAY, 'won', 1000 + floor(lag * 9000)
      FROM mql
      WHERE draw < 0.03
        + CASE origin WHEN 'referral' THEN 0.14 WHEN 'paid_search' THEN 0.06 WHEN 'email' THEN 0.05 ELSE 0 END
        + CASE landing_page WHEN '/demo' THEN 0.16 WHEN '/pricing' THEN 0.10 WHEN '/contact' THEN 0.08
            WHEN '/careers' THEN -0.03 ELSE 0 END`);
    // only won deals reached the export, and none after its date
    await w.run(`DELETE FROM outcomes WHERE closed_at > TIMESTAMP '2025-06-30'`);
  });
}
