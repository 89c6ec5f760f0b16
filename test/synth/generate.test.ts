import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVITY_TYPES,
  ACTIVITY_COLUMNS,
  LEAD_COLUMNS,
  OUTCOME_COLUMNS,
  emailDomainKindSql,
  senioritySql,
} from '../../src/schema/index.ts';
import { withWarehouse } from '../../src/store/index.ts';
import {
  GENERATED_TABLES,
  PERSONAS,
  generateCrm,
  validateGenerateOptions,
  type GenerateReport,
} from '../../src/synth/index.ts';
import { tableHash, tmpDir } from './helpers.ts';

const LEADS = 10_000;
const SMALL = 3_000;
const dir = tmpDir();
const db = path.join(dir, 'a.duckdb');
let report: GenerateReport;
let hashes: Record<string, string>;
let rerun: { first: GenerateReport; report: GenerateReport; hashes: Record<string, string> };
let otherSeed: Record<string, string>;
let viaWorkers: Record<string, string>;

async function hashAll(file: string, tables: readonly string[] = GENERATED_TABLES): Promise<Record<string, string>> {
  return withWarehouse(file, async (w) =>
    Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await tableHash(w, t)]))),
  );
}

beforeAll(async () => {
  const { options } = validateGenerateOptions({ leads: LEADS, seed: 1 });
  report = await withWarehouse(db, (w) => generateCrm(w, options));
  // determinism is checked on a smaller run (the statistics below need the 10,000 leads; it does not)
  const small = { ...options, leads: SMALL };
  const smallDb = path.join(dir, 's.duckdb');
  const first = await withWarehouse(smallDb, (w) => generateCrm(w, small));
  hashes = await hashAll(smallDb);
  // same seed, different chunk size, into the same warehouse: must replace, not add, and match exactly
  const again = await withWarehouse(smallDb, (w) => generateCrm(w, { ...small, chunkSize: 1_000 }));
  rerun = { first, report: again, hashes: await hashAll(smallDb) };
  // the same run generated in worker threads (forced: small runs default to this thread)
  const threaded = path.join(dir, 'w.duckdb');
  await withWarehouse(threaded, (w) => generateCrm(w, { ...small, chunkSize: 500 }, { workers: 2 }));
  viaWorkers = await hashAll(threaded);
  const other = path.join(dir, 'b.duckdb');
  await withWarehouse(other, (w) => generateCrm(w, { ...small, seed: 2, snapshots: false }));
  otherSeed = await hashAll(other, ['leads', 'activities', 'outcomes']);
});

describe('generateCrm', () => {
  it('is deterministic: same seed gives identical tables (whatever the chunk size), a re-run replaces them', () => {
    expect(rerun.hashes).toEqual(hashes);
    expect(rerun.report.rows).toEqual(rerun.first.rows);
    expect(rerun.first.rows.leads).toBe(SMALL);
    expect(report.rows.leads).toBe(LEADS);
    expect(report.rows.activities).toBeGreaterThan(LEADS * 5);
  });

  it('gives identical tables whether chunks are generated in worker threads or in this thread', () => {
    expect(viaWorkers).toEqual(hashes);
  });

  it("leaves DuckDB's thread count as it was (the writes run on one thread)", async () => {
    const { options } = validateGenerateOptions({ leads: 500, seed: 3 });
    const threads = `SELECT current_setting('threads')::INTEGER AS n`;
    await withWarehouse(path.join(dir, 'threads.duckdb'), async (w) => {
      await w.run('SET threads = 3');
      await generateCrm(w, options);
      expect(await w.one(threads)).toEqual({ n: 3 });
    });
  });

  it('gives different contents for a different seed', () => {
    for (const t of ['leads', 'activities', 'outcomes']) expect(otherSeed[t]).not.toBe(hashes[t]);
  });

  it('hits the conversion rate within 1 point, and the report agrees with the tables', async () => {
    expect(Math.abs(report.conversionRate - 0.05)).toBeLessThan(0.01);
    await withWarehouse(db, async (w) => {
      const r = await w.one<{ won: number; conv: number; mismatched: number }>(`
        SELECT (SELECT count(DISTINCT lead_id) FROM outcomes WHERE status = 'won')::BIGINT AS won,
               (SELECT sum(converts) FROM truth)::BIGINT AS conv,
               (SELECT count(*) FROM truth t LEFT JOIN outcomes o ON o.lead_id = t.lead_id AND o.status = 'won'
                WHERE (t.converts = 1) <> (o.lead_id IS NOT NULL) OR t.won_at IS DISTINCT FROM
                  o.closed_at)::BIGINT AS mismatched`);
      expect(r).toEqual({ won: report.conversionRate * LEADS, conv: report.conversionRate * LEADS, mismatched: 0 });
    });
  });

  it('gives every persona its configured share within 1 point', () => {
    const { options } = validateGenerateOptions({});
    for (const p of PERSONAS) expect(Math.abs(report.personas[p] / LEADS - options.personaMix[p])).toBeLessThan(0.01);
  });

  it('dates nothing before its lead was created or after --end', async () => {
    await withWarehouse(db, async (w) => {
      const end = `TIMESTAMP '2025-12-31 00:00:00'`;
      const r = await w.one(`
        SELECT
          (SELECT count(*) FROM activities a JOIN leads l USING (lead_id) WHERE a.occurred_at < l.created_at OR
            a.occurred_at > ${end})::BIGINT AS bad_activities,
          (SELECT count(*) FROM outcomes o JOIN leads l USING (lead_id)
             WHERE o.created_at < l.created_at OR o.created_at > ${end} OR o.closed_at < o.created_at OR
               o.closed_at > ${end})::BIGINT AS bad_outcomes,
          (SELECT count(*) FROM leads WHERE created_at < TIMESTAMP '2024-01-01' OR created_at > ${end})::BIGINT
            AS bad_leads,
          (SELECT count(*) FROM activities a JOIN truth t USING (lead_id) WHERE a.occurred_at >
            t.won_at)::BIGINT AS after_win,
          (SELECT count(*) FROM truth_snapshots s JOIN truth t USING (lead_id) JOIN leads l USING (lead_id)
             WHERE s.as_of <= l.created_at OR s.as_of > t.won_at OR s.as_of + INTERVAL 90 DAY > ${end})::BIGINT
               AS bad_snapshots`);
      expect(r).toEqual({ bad_activities: 0, bad_outcomes: 0, bad_leads: 0, after_win: 0, bad_snapshots: 0 });
    });
  });

  it('reports an oracle AUC that is learnable but not trivial', () => {
    expect(report.oracleAuc).toBeGreaterThan(0.8);
    expect(report.oracleAuc).toBeLessThan(0.97);
    expect(report.oracleAuc90d).toBeGreaterThan(0.8);
    expect(report.oracleAuc90d).toBeLessThan(0.99);
    expect(report.snapshotDates[0]).toBe('2024-02-01');
    expect(report.snapshotDates.at(-1)).toBe('2025-10-01');
  });

  it('gives point-in-time oracle probabilities that are calibrated (expected wins match actual ones)', async () => {
    await withWarehouse(db, async (w) => {
      // a clairvoyant oracle would be over-confident at the top; an honest one matches by decile and overall
      const rows = await w.all<{ bin: number; p: number; y: number }>(`
        WITH s AS (
          SELECT s.p_true_90d AS p, coalesce(t.won_at >= s.as_of AND t.won_at < s.as_of + INTERVAL 90 DAY,
            false)::INTEGER AS y
          FROM truth_snapshots s JOIN truth t USING (lead_id))
        SELECT CASE WHEN b < 9 THEN 0 ELSE 1 END AS bin, sum(p) AS p, sum(y)::DOUBLE AS y
        FROM (SELECT *, ntile(10) OVER (ORDER BY p) - 1 AS b FROM s) GROUP BY 1 ORDER BY 1`);
      for (const r of rows) expect(Math.abs(r.p - r.y)).toBeLessThan(4 * Math.sqrt(r.p) + 0.05 * r.p);
      const all = await w.one<{ p: number; y: number }>(
        `SELECT sum(true_probability) AS p, sum(converts)::DOUBLE AS y FROM truth`,
      );
      expect(Math.abs(all!.p - all!.y)).toBeLessThan(4 * Math.sqrt(all!.p) + 0.05 * all!.p);
    });
  });

  it('writes the canonical schema and vocabulary', async () => {
    await withWarehouse(db, async (w) => {
      const cols = async (t: string) => (await w.tableColumns(t)).filter((c) => c !== 'extras');
      expect(await cols('leads')).toEqual(LEAD_COLUMNS.map((c) => c.name));
      expect(await cols('activities')).toEqual(ACTIVITY_COLUMNS.map((c) => c.name));
      expect(await cols('outcomes')).toEqual(OUTCOME_COLUMNS.map((c) => c.name));
      const types = (await w.all<{ t: string }>('SELECT DISTINCT activity_type AS t FROM activities')).map((r) => r.t);
      expect(types.every((t) => (ACTIVITY_TYPES as readonly string[]).includes(t))).toBe(true);
      expect(types.length).toBe(ACTIVITY_TYPES.length);
      const ids = await w.one<{ first: string; last: string }>(
        'SELECT min(lead_id) AS first, max(lead_id) AS last FROM leads',
      );
      expect(ids).toEqual({ first: 'L0000001', last: 'L0010000' });
    });
  });

  it('gives personas the attributes the shared lexicon recognises', async () => {
    await withWarehouse(db, async (w) => {
      const kinds = await w.all<{ persona: string; kind: string; share: number }>(`
        SELECT t.persona, ${emailDomainKindSql('l.email')} AS kind, count(*) / sum(count(*)) OVER (PARTITION BY
          t.persona) AS share
        FROM leads l JOIN truth t USING (lead_id) GROUP BY 1, 2`);
      const share = (p: string, k: string) => kinds.find((r) => r.persona === p && r.kind === k)?.share ?? 0;
      expect(share('competitor', 'competitor')).toBe(1);
      expect(share('student', 'academic') + share('student', 'free')).toBe(1);
      expect(share('spam', 'disposable')).toBeGreaterThan(0.4);
      expect(share('ideal', 'corporate')).toBeGreaterThan(0.85);
      const senior = await w.one<{ share: number }>(`
        SELECT avg((${senioritySql('l.job_title')} IN ('c_level', 'vp', 'director'))::INTEGER) AS share
        FROM leads l JOIN truth t USING (lead_id) WHERE t.persona = 'ideal' AND l.job_title IS NOT NULL`);
      expect(senior?.share).toBeGreaterThan(0.8);
    });
  });

  it('makes wins follow recent high-intent activity (what a snapshot model can learn)', async () => {
    await withWarehouse(db, async (w) => {
      // leads with a demo/trial/contact-sales request in the 30 days before a snapshot win in the next 90 days far more
      // often
      const rows = await w.all<{ recent: boolean; rate: number }>(`
        WITH f AS (
          SELECT s.lead_id, s.as_of, bool_or(a.occurred_at >= s.as_of - INTERVAL 30 DAY AND a.activity_type IN
            ('demo_request', 'trial_request', 'contact_sales')) AS recent
          FROM truth_snapshots s LEFT JOIN activities a ON a.lead_id = s.lead_id AND a.occurred_at < s.as_of
            GROUP BY ALL)
        SELECT coalesce(recent, false) AS recent, avg(coalesce(t.won_at >= f.as_of AND t.won_at < f.as_of +
          INTERVAL 90 DAY, false)::INTEGER) AS rate
        FROM f JOIN truth t USING (lead_id) GROUP BY 1`);
      const rate = (r: boolean) => rows.find((x) => x.recent === r)?.rate ?? 0;
      expect(rate(true)).toBeGreaterThan(5 * rate(false));
    });
  });

  it('also writes files with --out', async () => {
    const out = path.join(dir, 'files');
    const { options } = validateGenerateOptions({ leads: 300, seed: 5 });
    const r = await withWarehouse(path.join(dir, 'c.duckdb'), (w) =>
      generateCrm(w, options, { out: { dir: out, format: 'parquet' } }),
    );
    expect(r.files.map((f) => path.basename(f))).toEqual(GENERATED_TABLES.map((t) => `${t}.parquet`));
    await withWarehouse(':memory:', async (w) => {
      for (const t of GENERATED_TABLES) {
        expect(
          await w.one(`SELECT count(*)::BIGINT AS n FROM read_parquet('${path.join(out, `${t}.parquet`)}')`),
        ).toEqual({ n: r.rows[t] });
      }
    });
    expect(fs.existsSync(path.join(out, 'leads.parquet'))).toBe(true);
  });
});
