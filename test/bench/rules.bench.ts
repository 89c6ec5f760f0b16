/**
 * Benchmark: score 1M leads (~10M activities) with models/rules.yaml in one DuckDB query, as of one
 * date, then for a table of (lead_id, as_of) snapshot pairs. Seeded fill with range() + hash().
 * Run: npx tsx test/bench/rules.bench.ts [leads] [activitiesPerLead]
 * Prints seconds, leads/s and peak RSS; asserts nothing about time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTIVITY_TYPES, CANONICAL_DDL } from '../../src/schema/index.ts';
import { Warehouse } from '../../src/store/index.ts';
import { loadRules, scoreRules } from '../../src/rules/index.ts';

const leads = Number(process.argv[2] ?? 1_000_000);
const perLead = Number(process.argv[3] ?? 10);
const secs = (t0: number) => (performance.now() - t0) / 1000;
const peakRss = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MB` : 'n/a';
};
// CPU seconds too (DuckDB's threads run in this process): on a shared machine wall time mostly measures the neighbours.
let cpu0 = process.cpuUsage();
const cpuSecs = () => {
  const c = process.cpuUsage(cpu0);
  return (c.user + c.system) / 1e6;
};
const report = (label: string, t: number, n: number) =>
  console.log(
    `${label.padEnd(44)} ${t.toFixed(2).padStart(7)} s wall  ${cpuSecs().toFixed(2).padStart(7)} s cpu  ${Math.round(
      n / t,
    )
      .toLocaleString('en-US')
      .padStart(10)} rows/s`,
  );

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-rules-bench-'));
const w = await Warehouse.open(path.join(dir, 'bench.duckdb'));
try {
  let t0 = performance.now();
  await w.run(CANONICAL_DDL);
  const types = ACTIVITY_TYPES.map((t) => `'${t}'`).join(', ');
  // Leads created over 2024-01..2025-06; activities within 200 days after creation (some after as_of: ignored).
  const created = (i: string) => `TIMESTAMP '2024-01-01' + to_seconds((hash(${i}, 1) % (540 * 86400))::BIGINT)`;
  await w.run(`INSERT INTO leads
    SELECT 'L' || lpad(i::VARCHAR, 7, '0'), ${created('i')},
      'u' || i || (['@gmail.com', '@acme.com', '@mailinator.com', '@rivalsoft.com', '@mit.edu', '@corp' || (i %
        5000) || '.com'])[1 + (hash(i, 2) % 6)::BIGINT],
      'Company ' || (i % 50000),
      (['VP Sales', 'Marketing Manager', 'PhD Student', 'CEO', 'Data Engineer', 'Director of IT', NULL])[1 +
        (hash(i, 3) % 7)::BIGINT],
      (['software', 'SaaS', 'retail', 'fintech', 'health', NULL])[1 + (hash(i, 4) % 6)::BIGINT],
      (hash(i, 5) % 10000)::BIGINT, (hash(i, 6) % 1000000000)::DOUBLE,
      (['Germany', 'India', 'United States', 'Brazil', NULL])[1 + (hash(i, 7) % 5)::BIGINT],
      (['web', 'ads', 'referral', 'event'])[1 + (hash(i, 8) % 4)::BIGINT], NULL
    FROM range(${leads}) t(i)`);
  await w.run(`INSERT INTO activities
    SELECT 'L' || lpad(l::VARCHAR, 7, '0'), ${created('l')} + to_seconds((hash(j, 11) % (200 * 86400))::BIGINT),
      ([${types}])[1 + (hash(j, 12) % ${ACTIVITY_TYPES.length})::BIGINT], NULL, NULL, NULL, NULL
    FROM (SELECT j, hash(j, 10) % ${leads} AS l FROM range(${leads * perLead}) t(j))`);
  await w.run(`INSERT INTO outcomes
    SELECT 'L' || lpad(i::VARCHAR, 7, '0'), 'O' || i, ${created('i')}, ${created('i')} + to_seconds((hash(i,
      21) % (300 * 86400))::BIGINT),
      CASE WHEN hash(i, 22) % 3 = 0 THEN 'won' ELSE 'lost' END, 1000
    FROM range(${leads}) t(i) WHERE hash(i, 20) % 10 = 0`);
  await w.run('CHECKPOINT');
  const nAct = await w.count('activities');
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const filled = `${leads.toLocaleString('en-US')} leads, ${nAct.toLocaleString('en-US')} activities`;
  console.log(`load average ${load}; fill: ${filled} in ${secs(t0).toFixed(1)} s (${os.cpus().length} cores)`);

  const rules = loadRules('models/rules.yaml');
  const asOf = new Date('2025-07-01T00:00:00Z');
  for (const run of [1, 2]) {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    const s = await scoreRules(w, rules, { asOf, leads: 'all' });
    report(`score all leads as of one date (run ${run})`, secs(t0), s.ids.length);
  }
  t0 = performance.now();
  cpu0 = process.cpuUsage();
  let s = await scoreRules(w, rules, { asOf, leads: 'open', into: 'rule_scores' });
  report('score open leads and write rule_scores', secs(t0), s.ids.length);
  const bands = await w.all(`SELECT band, count(*) AS n FROM rule_scores GROUP BY band ORDER BY n DESC`);
  console.log('  bands:', bands.map((b) => `${b.band} ${b.n}`).join(', '));

  // The training pipeline's shape: every lead at 3 monthly snapshots (only those existing by then are scored).
  await w.run(`CREATE OR REPLACE TABLE snaps AS
    SELECT lead_id, d AS as_of FROM leads, (VALUES (TIMESTAMP '2025-03-01'), (TIMESTAMP '2025-05-01'),
      (TIMESTAMP '2025-07-01')) v(d)`);
  t0 = performance.now();
  cpu0 = process.cpuUsage();
  s = await scoreRules(w, rules, { pairsTable: 'snaps', leads: 'all' });
  report('score (lead_id, as_of) pairs, 3 snapshots', secs(t0), s.ids.length);
  console.log(`peak RSS ${peakRss()}`);
} finally {
  await w.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
