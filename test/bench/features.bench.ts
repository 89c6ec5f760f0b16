/**
 * Benchmark: build a point-in-time training set (6 monthly snapshots, features/default.yaml) from a
 * 1M-lead, ~10M-activity warehouse. Run: npx tsx test/bench/features.bench.ts [leads] [activitiesPerLead]
 * Prints seconds, rows/s and peak RSS; asserts nothing about time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Warehouse } from '../../src/store/index.ts';
import { ACTIVITY_TYPES, CANONICAL_DDL } from '../../src/schema/index.ts';
import {
  buildFeatureTable,
  loadFeatureSpec,
  readFrame,
  snapshotDates,
  fitEncoders,
  transform,
  stratifiedSplit,
} from '../../src/features/index.ts';

const leads = Number(process.argv[2] ?? 1_000_000);
const perLead = Number(process.argv[3] ?? 10);
const peakRss = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MB` : 'n/a';
};
const secs = (t0: number) => (performance.now() - t0) / 1000;
// CPU seconds (user + system, all threads): on a shared machine wall time mostly measures the neighbours
const cpu = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return `${((c.user + c.system) / 1e6).toFixed(1)} CPU s`;
};

// BENCH_DB=path keeps (and reuses) the filled warehouse between runs
const keep = process.env.BENCH_DB;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-bench-'));
const dbFile = keep ?? path.join(dir, 'bench.duckdb');
const reuse = keep !== undefined && fs.existsSync(keep);
const w = await Warehouse.open(dbFile);
try {
  let t0 = performance.now();
  if (!reuse) await fill();
  const nAct = await w.count('activities');
  console.log(
    `warehouse: ${await w.count('leads')} leads, ${nAct} activities, ${await w.count('outcomes')} outcomes ` +
      `(${reuse ? 'reused' : `filled in ${secs(t0).toFixed(1)} s`}); load average ${os.loadavg()[0].toFixed(1)} ` +
      `on ${os.cpus().length} cores`,
  );

  async function fill(): Promise<void> {
    await w.run(CANONICAL_DDL);
    const types = ACTIVITY_TYPES.map((t) => `'${t}'`).join(', ');
    // Seeded fill with range() + hash(): leads created over 2023-01..2024-10, activities within 240 days of creation.
    await w.run(`INSERT INTO leads
    SELECT 'L' || i, TIMESTAMP '2023-01-01' + to_seconds((hash(i, 1) % (660 * 86400))::BIGINT),
      'u' || i || (['@gmail.com', '@acme.com', '@mailinator.com', '@rivalsoft.com', '@corp' || (i % 5000) ||
        '.com'])[1 + (hash(i, 2) % 5)::BIGINT],
      'Company ' || (i % 50000), (['VP Sales', 'Marketing Manager', 'Student', 'CEO', 'Engineer', NULL])[1 +
        (hash(i, 3) % 6)::BIGINT],
      (['software', 'retail', 'finance', 'health', NULL])[1 + (hash(i, 4) % 5)::BIGINT], (hash(i, 5) %
        10000)::BIGINT, (hash(i, 6) % 1000000000)::DOUBLE,
      (['Germany', 'India', 'United States', 'Brazil', NULL])[1 + (hash(i, 7) % 5)::BIGINT], (['web', 'ads',
        'referral', 'event'])[1 + (hash(i, 8) % 4)::BIGINT], NULL
    FROM range(${leads}) t(i)`);
    await w.run(`INSERT INTO activities
    SELECT 'L' || l, c + to_seconds((hash(j, 11) % (240 * 86400))::BIGINT), ([${types}])[1 + (hash(j, 12) %
      ${ACTIVITY_TYPES.length})::BIGINT], NULL, NULL, NULL, NULL
    FROM (SELECT j, hash(j, 10) % ${leads} AS l FROM range(${leads * perLead}) t(j)) a
    JOIN (SELECT i, TIMESTAMP '2023-01-01' + to_seconds((hash(i, 1) % (660 * 86400))::BIGINT) AS c FROM
      range(${leads}) t(i)) b ON a.l = b.i`);
    await w.run(`INSERT INTO outcomes
    SELECT 'L' || i, 'O' || i, c, c + to_seconds((hash(i, 21) % (200 * 86400))::BIGINT), CASE WHEN hash(i, 22)
      % 3 = 0 THEN 'won' ELSE 'lost' END, 1000
    FROM (SELECT i, TIMESTAMP '2023-01-01' + to_seconds((hash(i, 1) % (660 * 86400))::BIGINT) AS c FROM
      range(${leads}) t(i)) WHERE hash(i, 20) % 10 = 0`);
    await w.run('CHECKPOINT');
  }

  const spec = loadFeatureSpec(path.resolve('features/default.yaml'));
  const dates = snapshotDates(new Date('2024-01-01T00:00:00Z'), new Date('2024-06-01T00:00:00Z'), 'month');
  t0 = performance.now();
  let c0 = process.cpuUsage();
  const { rows } = await buildFeatureTable(w, spec, {
    asOf: dates,
    withLabels: true,
    into: 'training_set',
    onStage: (s, t) => console.log(`  ${s}: ${t.toFixed(1)} s`),
  });
  const build = secs(t0);
  console.log(
    `build: ${dates.length} snapshots, ${rows} rows x ${spec.features.length} features in ${build.toFixed(1)} s ` +
      `(${Math.round(rows / build)} rows/s; ${cpu(c0)}; load average ${os.loadavg()[0].toFixed(1)}), peak RSS ` +
      `${peakRss()}`,
  );

  t0 = performance.now();
  c0 = process.cpuUsage();
  const frame = await readFrame(w, 'training_set', spec);
  console.log(`readFrame: ${frame.ids.length} rows in ${secs(t0).toFixed(1)} s (${cpu(c0)}), peak RSS ${peakRss()}`);
  t0 = performance.now();
  c0 = process.cpuUsage();
  const split = stratifiedSplit(frame.label!, { train: 0.7, test: 0.3 }, 1);
  const state = fitEncoders(frame, split.train, spec);
  const { matrix } = transform(state, frame, split.train);
  console.log(
    `encode: fit + transform ${matrix.rows} x ${matrix.cols} in ${secs(t0).toFixed(1)} s (${cpu(c0)}), peak RSS ` +
      `${peakRss()}`,
  );
} finally {
  await w.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
