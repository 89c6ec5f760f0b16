/**
 * One benchmark stage in its own process, so its peak resident memory (VmHWM) is its own.
 * Prints one JSON line: {stage, seconds, cpu_seconds, rows, peak_rss_mib, ...extra}.
 *   npx tsx test/bench/stage.ts <stage> <dir> <leads>
 * Stages, in order (each reads what the previous wrote in <dir>): generate, export-csv, ingest,
 * features, train, score, write-floor, compare; and host-speed, a fixed workload that tells how fast the host is now.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { generateCrm, oracleAucOnSnapshots, validateGenerateOptions } from '../../src/synth/index.ts';
import { ingest } from '../../src/ingest/index.ts';
import { buildFeatureTable, loadFeatureSpec, snapshotDates } from '../../src/features/index.ts';
import { TrainPipelineConfig } from '../../src/pipelines/config.ts';
import { TRAIN_TABLE, trainCrm } from '../../src/pipelines/train.ts';
import { scoreLeads } from '../../src/pipelines/score/index.ts';
import { compareScores } from '../../src/pipelines/compare.ts';
import { registry } from '../../src/models/index.ts';
import { writeFloor } from './write-floor.ts';

const [stage, dir, leadsArg] = process.argv.slice(2);
const leads = Number(leadsArg);
const db = path.join(dir, 'bench.duckdb');
const ingested = path.join(dir, 'ingested.duckdb');
const models = path.join(dir, 'models');
const NOW = new Date('2026-01-01T00:00:00Z');
const END = new Date('2025-12-31T00:00:00Z');

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let rows = 0;
const extra: Record<string, unknown> = {};
switch (stage) {
  case 'generate': {
    const { options } = validateGenerateOptions({ leads, seed: 42 });
    const r = await withWarehouse(db, (w) => generateCrm(w, options));
    rows = r.rows.leads + r.rows.activities + r.rows.outcomes;
    extra.activities = r.rows.activities;
    break;
  }
  case 'export-csv': {
    await withWarehouse(db, async (w) => {
      for (const t of ['leads', 'activities', 'outcomes']) {
        const cols = t === 'leads' ? '* EXCLUDE (extras)' : '*';
        await w.exportQuery(`SELECT ${cols} FROM ${t}`, path.join(dir, `${t}.csv`), 'csv');
      }
    });
    break;
  }
  case 'ingest': {
    fs.rmSync(ingested, { force: true });
    const r = await withWarehouse(ingested, (w) =>
      ingest(w, {
        leads: path.join(dir, 'leads.csv'),
        activities: path.join(dir, 'activities.csv'),
        outcomes: path.join(dir, 'outcomes.csv'),
        now: NOW,
      }),
    );
    rows = Object.values(r.tables).reduce((a, t) => a + (t?.loaded ?? 0), 0);
    extra.rejected = Object.values(r.tables).reduce((a, t) => a + (t?.rejected ?? 0), 0);
    break;
  }
  case 'features': {
    const spec = loadFeatureSpec('features/default.yaml');
    const dates = snapshotDates(new Date('2024-07-01T00:00:00Z'), new Date('2025-09-01T00:00:00Z'), 'month').filter(
      (_, i) => i % 2 === 0,
    );
    const r = await withWarehouse(db, (w) =>
      buildFeatureTable(w, spec, { asOf: dates, withLabels: true, into: 'bench_features' }),
    );
    rows = r.rows;
    extra.snapshots = dates.length;
    break;
  }
  case 'train': {
    fs.rmSync(models, { recursive: true, force: true });
    const cfg = TrainPipelineConfig.parse({ db, models_dir: models, name: 'bench', seed: 42 });
    const r = await trainCrm(cfg, { now: NOW });
    registry.promote(`bench@${r.model.version}`, { at: NOW.toISOString() }, models);
    rows = r.rows.train + r.rows.test; // validation and calibration are out-of-fold rows among train
    Object.assign(extra, {
      auc_blend: r.metrics.blend.auc,
      auc_rules: r.metrics.rules?.auc,
      oracle_auc: await withWarehouse(db, (w) =>
        oracleAucOnSnapshots(w, TRAIN_TABLE, new Date(r.test_window.start), new Date(r.test_window.end)),
      ),
      notes: r.notes,
    });
    break;
  }
  case 'score': {
    const r = await scoreLeads({
      db,
      model: 'bench',
      modelsDir: models,
      asOf: END,
      leads: 'open',
      reasons: 3,
      runId: 'bench',
      now: () => new Date(),
    });
    rows = r.rows;
    extra.timings = r.timings;
    // inference is the models, their attribution and the reasons (before #18 the reasons' ranking was in predict;
    // since #20 the base models and their attribution are one step, `models`)
    const t = r.timings;
    const inference = (t.predict ?? 0) + (t.models ?? 0) + (t.attribute ?? 0) + (t.reasons ?? 0);
    extra.inference_and_write_rows_per_second = r.rows / (inference + (t.write ?? 0));
    break;
  }
  case 'write-floor': {
    // score's final rows written again with no scoring work: the most any scoring run could write per second
    const r = await writeFloor(db, path.join(dir, 'write-floor.duckdb'));
    rows = r.rows;
    Object.assign(extra, { floor: r });
    break;
  }
  case 'compare': {
    const r = await compareScores({
      db,
      model: 'bench',
      modelsDir: models,
      asOf: new Date('2025-09-01T00:00:00Z'),
      out: path.join(dir, 'compare.html'),
      seed: 42,
      runId: 'bench',
      now: NOW,
    });
    rows = r.leads.length * 2;
    Object.assign(extra, {
      auc_predictive: r.result.metrics.predictive.auc,
      auc_rules: r.result.metrics.rules.auc,
      lift10_predictive: r.result.metrics.predictive.lift_at_10pct,
      lift10_rules: r.result.metrics.rules.lift_at_10pct,
    });
    break;
  }
  case 'host-speed': {
    // Not a stage of leadscore: a fixed workload timed the same way at every call, so a bench read hours later can
    // tell a slow host from slow code (this machine's host has made unchanged code 20-40% slower for an hour).
    await withWarehouse(':memory:', async (w) => {
      // a table, so the query runs on every DuckDB thread (range() alone is read by one)
      await w.run(`CREATE TABLE n AS SELECT i FROM range(40000000) t(i)`);
      const q = performance.now();
      const terms = [0, 1, 2, 3, 4, 5].map((k) => `hash(i + ${k}) % 1000`).join(' + ');
      await w.one(`SELECT sum(${terms})::BIGINT AS s FROM n`);
      extra.query_seconds = (performance.now() - q) / 1000;
      // and one bound by memory, not arithmetic: a hash table of 16M groups, far past the caches
      const g = performance.now();
      await w.one(`SELECT count(*)::BIGINT AS s FROM (SELECT i % 16000000 AS k, count(*) FROM n GROUP BY k)`);
      extra.memory_seconds = (performance.now() - g) / 1000;
    });
    const j = performance.now();
    let x = 0;
    for (let i = 0; i < 300_000_000; i++) x += Math.sqrt(i & 1023);
    extra.loop_seconds = (performance.now() - j) / 1000;
    extra.checksum = x;
    break;
  }
  default:
    throw new Error(`unknown stage ${stage}`);
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    stage,
    leads,
    seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    rows,
    rows_per_second: rows / seconds,
    peak_rss_mib: peakRssMiB(),
    ...extra,
  }),
);
